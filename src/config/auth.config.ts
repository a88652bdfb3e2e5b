import { registerAs } from '@nestjs/config';
import { randomBytes } from 'node:crypto';
import { loadAppConfig } from './app.config';
import { readOrCreateSecretFile } from './generated-secret';
import { ConfigError, Env, readChoice, readEnv, readInt } from './env';

export const REGISTRATION_MODES = ['open', 'approval', 'closed'] as const;
export type RegistrationMode = (typeof REGISTRATION_MODES)[number];

export interface AuthConfig {
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  registration: RegistrationMode;
  passwordMinLength: number;
  /** scrypt cost as log2(N); OWASP (2025): N=2^17, r=8, p=1. */
  scryptLogN: number;
  rateLimitWindowSeconds: number;
  rateLimitPerAddress: number;
  rateLimitPerUsername: number;
}

const PLACEHOLDER_SECRETS = /^(secret|changeme|change-me|change_me|jwt_secret|jwtsecret|password|test|example|default|xxx+)$/i;

/** JWT_SECRET, or outside production a secret generated once and kept in DATA_DIR so restarts keep sessions. */
function resolveJwtSecret(env: Env, production: boolean, dataDir: string): string {
  const given = readEnv(env, 'JWT_SECRET');
  if (given !== undefined) {
    if (PLACEHOLDER_SECRETS.test(given) || (production && given.length < 32)) {
      throw new ConfigError('JWT_SECRET looks like a placeholder or is shorter than 32 characters; use e.g. `openssl rand -hex 32`');
    }
    return given;
  }
  if (production) throw new ConfigError('JWT_SECRET (or JWT_SECRET_FILE) is required when NODE_ENV=production');
  return readOrCreateSecretFile(dataDir, 'jwt-secret', () => randomBytes(48).toString('base64url'));
}

export function loadAuthConfig(env: Env = process.env): AuthConfig {
  const app = loadAppConfig(env);
  return {
    jwtSecret: resolveJwtSecret(env, app.production, app.dataDir),
    accessTokenTtlSeconds: readInt(env, 'ACCESS_TOKEN_TTL_SECONDS', 2 * 60 * 60, 10, 24 * 60 * 60),
    refreshTokenTtlSeconds: readInt(env, 'REFRESH_TOKEN_TTL_SECONDS', 7 * 24 * 60 * 60, 60, 90 * 24 * 60 * 60),
    registration: readChoice(env, 'REGISTRATION', REGISTRATION_MODES, 'approval'),
    passwordMinLength: readInt(env, 'PASSWORD_MIN_LENGTH', 8, 8, 128),
    scryptLogN: readInt(env, 'PASSWORD_SCRYPT_LOG_N', 17, 10, 20),
    rateLimitWindowSeconds: readInt(env, 'AUTH_RATE_LIMIT_WINDOW_SECONDS', 60, 1, 3600),
    rateLimitPerAddress: readInt(env, 'AUTH_RATE_LIMIT_PER_ADDRESS', 30, 1, 100000),
    rateLimitPerUsername: readInt(env, 'AUTH_RATE_LIMIT_PER_USERNAME', 10, 1, 100000),
  };
}

export const authConfig = registerAs('auth', () => loadAuthConfig());
