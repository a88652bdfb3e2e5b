import { registerAs } from '@nestjs/config';
import { randomBytes } from 'node:crypto';
import { loadAppConfig } from './app.config';
import { readOrCreateSecretFile } from './generated-secret';
import { ConfigError, Env, readEnv } from './env';

export interface SecretsConfig {
  /** Encrypts every secret this service stores (AES-256-GCM); 32 bytes. */
  key: Buffer;
  /** Older keys that still decrypt what they encrypted, for rotation (docs/secrets.md). */
  previousKeys: Buffer[];
}

const FORMAT_HINT = '32 bytes written as 64 hex characters or as base64 (e.g. `openssl rand -base64 32`)';

function parseKey(name: string, raw: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : /^[A-Za-z0-9+/_-]{43}=?$/.test(raw) ? Buffer.from(raw, 'base64') : null;
  if (!key || key.length !== 32) throw new ConfigError(`${name} must be ${FORMAT_HINT}`);
  return key;
}

export function loadSecretsConfig(env: Env = process.env): SecretsConfig {
  const app = loadAppConfig(env);
  let raw = readEnv(env, 'SECRETS_KEY');
  if (raw === undefined) {
    // Losing this key loses every stored registry password: production must provide and back it up.
    if (app.production) throw new ConfigError(`SECRETS_KEY (or SECRETS_KEY_FILE) is required when NODE_ENV=production: ${FORMAT_HINT}`);
    raw = readOrCreateSecretFile(app.dataDir, 'secrets-key', () => randomBytes(32).toString('base64'));
  }
  const previous = (readEnv(env, 'SECRETS_KEY_PREVIOUS') ?? '').split(',').map((k) => k.trim()).filter(Boolean);
  return { key: parseKey('SECRETS_KEY', raw), previousKeys: previous.map((k) => parseKey('SECRETS_KEY_PREVIOUS', k)) };
}

export const secretsConfig = registerAs('secrets', () => loadSecretsConfig());
