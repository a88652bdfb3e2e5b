import { Env, EnvReader, loadFeature } from './env';
import { readNodeEnv } from './app.config';
import { featureConfig } from './feature-config';

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

/** JWT_SECRET; outside production main.ts points JWT_SECRET_FILE at a generated one first (dev-secrets.ts). */
function readJwtSecret(env: EnvReader, production: boolean): string {
  const secret = env.required('JWT_SECRET', production ? 'when NODE_ENV=production' : '(outside production it is generated into DATA_DIR at start)');
  if (secret !== undefined && (PLACEHOLDER_SECRETS.test(secret) || (production && secret.length < 32))) {
    env.report('JWT_SECRET looks like a placeholder or is shorter than 32 characters; use e.g. `openssl rand -hex 32`');
  }
  return secret ?? '';
}

export function readAuthConfig(env: EnvReader, production: boolean): AuthConfig {
  return {
    jwtSecret: readJwtSecret(env, production),
    accessTokenTtlSeconds: env.int('ACCESS_TOKEN_TTL_SECONDS', 2 * 60 * 60, 10, 24 * 60 * 60),
    refreshTokenTtlSeconds: env.int('REFRESH_TOKEN_TTL_SECONDS', 7 * 24 * 60 * 60, 60, 90 * 24 * 60 * 60),
    registration: env.choice('REGISTRATION', REGISTRATION_MODES, 'approval'),
    passwordMinLength: env.int('PASSWORD_MIN_LENGTH', 8, 8, 128),
    scryptLogN: env.int('PASSWORD_SCRYPT_LOG_N', 17, 10, 20),
    rateLimitWindowSeconds: env.int('AUTH_RATE_LIMIT_WINDOW_SECONDS', 60, 1, 3600),
    rateLimitPerAddress: env.int('AUTH_RATE_LIMIT_PER_ADDRESS', 30, 1, 100000),
    rateLimitPerUsername: env.int('AUTH_RATE_LIMIT_PER_USERNAME', 10, 1, 100000),
  };
}

export const loadAuthConfig = (env: Env): AuthConfig => loadFeature(env, (r) => readAuthConfig(r, readNodeEnv(r) === 'production'));
export const authConfig = featureConfig<AuthConfig>('auth');
