import { readNodeEnv } from './app.config';
import { Env, EnvReader, loadFeature } from './env';
import { featureConfig } from './feature-config';

export interface SecretsConfig {
  /** Encrypts every secret this service stores (AES-256-GCM); 32 bytes. */
  key: Buffer;
  /** Older keys that still decrypt what they encrypted, for rotation (docs/secrets.md). */
  previousKeys: Buffer[];
}

const FORMAT_HINT = '32 bytes written as 64 hex characters or as base64 (e.g. `openssl rand -base64 32`)';

/** 32 bytes from 64 hex characters or base64 (standard or URL-safe), or undefined. */
export function parseSecretsKey(raw: string): Buffer | undefined {
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : /^[A-Za-z0-9+/_-]{43}=?$/.test(raw) ? Buffer.from(raw, 'base64') : undefined;
  return key?.length === 32 ? key : undefined;
}

/** SECRETS_KEY; outside production main.ts points SECRETS_KEY_FILE at a generated one first (dev-secrets.ts). */
export function readSecretsConfig(env: EnvReader, production: boolean): SecretsConfig {
  // Losing this key loses every stored registry password: production must provide and back it up.
  const raw = env.required('SECRETS_KEY', production ? `when NODE_ENV=production: ${FORMAT_HINT}` : '(outside production it is generated into DATA_DIR at start)');
  const key = raw === undefined ? Buffer.alloc(0) : (parseSecretsKey(raw) ?? env.invalid(`SECRETS_KEY must be ${FORMAT_HINT}`, Buffer.alloc(0)));
  const previous = (env.string('SECRETS_KEY_PREVIOUS') ?? '').split(',').map((k) => k.trim()).filter(Boolean).map(parseSecretsKey);
  // The message never shows a key.
  if (previous.includes(undefined)) env.report(`SECRETS_KEY_PREVIOUS must be a comma-separated list of keys, each ${FORMAT_HINT}`);
  return { key, previousKeys: previous.filter((k) => k !== undefined) };
}

export const loadSecretsConfig = (env: Env): SecretsConfig => loadFeature(env, (r) => readSecretsConfig(r, readNodeEnv(r) === 'production'));
export const secretsConfig = featureConfig<SecretsConfig>('secrets');
