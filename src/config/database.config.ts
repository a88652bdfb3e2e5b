import { isAbsolute, resolve } from 'node:path';
import { Env, EnvReader, loadFeature } from './env';
import { readDataDir } from './app.config';
import { featureConfig } from './feature-config';

export type DatabaseConfig =
  | { type: 'sqlite'; path: string }
  | { type: 'mysql'; host: string; port: number; username: string; password: string; database: string; lockLeaseSeconds: number };

/**
 * STACK_LOCK_LEASE_SECONDS: how long a stack lock outlives an instance that stopped answering. 30 s
 * rides out a database restart or a few missed pings (every 10 s), yet frees the stacks of an instance
 * whose node vanished within a minute (lock after 30 s, its deployment marked at the next 30 s recovery).
 */
const DEFAULT_LOCK_LEASE_SECONDS = 30;

const UNUSABLE: DatabaseConfig = { type: 'sqlite', path: ':memory:' };

/** Parses DATABASE_URL: mysql://user:pass@host:3306/db, mariadb://..., or sqlite:<path> (default: DATA_DIR/docker-deploy-script.db). */
export function readDatabaseConfig(env: EnvReader, dataDir: string): DatabaseConfig {
  const url = env.string('DATABASE_URL') ?? `sqlite:${resolve(dataDir, 'docker-deploy-script.db')}`;
  // Read whatever the URL: a bad value is reported even where SQLite does not use it.
  const password = env.string('DATABASE_PASSWORD');
  const lockLeaseSeconds = env.int('STACK_LOCK_LEASE_SECONDS', DEFAULT_LOCK_LEASE_SECONDS, 3, 3600);
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!path) return env.invalid('DATABASE_URL sqlite:<path> needs a file path, e.g. sqlite:./data/app.db', UNUSABLE);
    return { type: 'sqlite', path: path === ':memory:' ? path : isAbsolute(path) ? path : resolve(path) };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return env.invalid('DATABASE_URL must look like mysql://user:pass@host:3306/db, mariadb://... or sqlite:<path>', UNUSABLE);
  }
  if (!['mysql:', 'mariadb:'].includes(parsed.protocol)) {
    return env.invalid(`DATABASE_URL scheme must be mysql:, mariadb: or sqlite:, got "${parsed.protocol}"`, UNUSABLE);
  }
  let username: string, urlPassword: string, database: string;
  try {
    [username, urlPassword, database] = [parsed.username, parsed.password, parsed.pathname.replace(/^\//, '')].map(decodeURIComponent);
  } catch {
    return env.invalid('DATABASE_URL has a malformed %-escape in its user, password or database name', UNUSABLE);
  }
  if (!parsed.hostname || !database) {
    return env.invalid('DATABASE_URL must name a host and a database: mysql://user:pass@host:3306/db', UNUSABLE);
  }
  return {
    type: 'mysql',
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 3306,
    username,
    // DATABASE_PASSWORD(_FILE) keeps the password out of the URL, e.g. as a docker secret.
    password: password ?? urlPassword,
    database,
    lockLeaseSeconds,
  };
}

export const loadDatabaseConfig = (env: Env): DatabaseConfig => loadFeature(env, (r) => readDatabaseConfig(r, readDataDir(r)));
export const databaseConfig = featureConfig<DatabaseConfig>('database');
