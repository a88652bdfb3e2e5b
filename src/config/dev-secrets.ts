import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDataDir, readNodeEnv } from './app.config';
import { ConfigError, Env, EnvReader } from './env';

const DEV_SECRETS = [
  { name: 'JWT_SECRET', file: 'jwt-secret', generate: () => randomBytes(48).toString('base64url') },
  { name: 'SECRETS_KEY', file: 'secrets-key', generate: () => randomBytes(32).toString('base64') },
];

/**
 * Boot step before loadConfiguration, outside production only: a JWT_SECRET or SECRETS_KEY the
 * environment does not give is kept in DATA_DIR/jwt-secret or DATA_DIR/secrets-key, made (random, mode
 * 0600) on the first start so restarts, and instances sharing DATA_DIR, keep sessions and stored
 * secrets. Returns `env` with JWT_SECRET_FILE / SECRETS_KEY_FILE naming those files. Production gets
 * nothing here: loadConfiguration then requires both.
 */
export function provideDevSecretFiles(env: Env): Env {
  const reader = new EnvReader(env);
  const production = readNodeEnv(reader) === 'production';
  const dataDir = readDataDir(reader);
  // An unreadable NODE_ENV_FILE or DATA_DIR_FILE: make nothing; loadConfiguration reports it.
  if (production || !reader.isValid()) return env;
  const provided: Env = {};
  for (const { name, file, generate } of DEV_SECRETS) {
    if (env[name]?.trim() || env[`${name}_FILE`]) continue;
    provided[`${name}_FILE`] = createSecretFile(dataDir, file, generate);
  }
  return { ...env, ...provided };
}

/** DATA_DIR/<file>, made with generate()'s content unless it exists (then it is kept: an earlier start made it). */
function createSecretFile(dataDir: string, file: string, generate: () => string): string {
  const path = join(dataDir, file);
  try {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(path, generate(), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new ConfigError([`DATA_DIR: cannot create ${path}: ${(err as Error).message}`]);
  }
  return path;
}
