import { registerAs } from '@nestjs/config';
import { isAbsolute, resolve } from 'node:path';
import { ConfigError, Env, readEnv, readInt } from './env';
import { loadAppConfig } from './app.config';

export type DatabaseConfig =
  | { type: 'sqlite'; path: string }
  | { type: 'mysql'; host: string; port: number; username: string; password: string; database: string; lockLeaseSeconds: number };

/**
 * STACK_LOCK_LEASE_SECONDS: how long a stack lock outlives an instance that stopped answering. 30 s
 * rides out a database restart or a few missed pings (every 10 s), yet frees the stacks of an instance
 * whose node vanished within a minute (lock after 30 s, its deployment marked at the next 30 s recovery).
 */
const DEFAULT_LOCK_LEASE_SECONDS = 30;

/** Parses DATABASE_URL: mysql://user:pass@host:3306/db, mariadb://..., or sqlite:<path>. */
export function loadDatabaseConfig(env: Env = process.env): DatabaseConfig {
  const dataDir = loadAppConfig(env).dataDir;
  const url = readEnv(env, 'DATABASE_URL') ?? `sqlite:${resolve(dataDir, 'docker-deploy-script.db')}`;
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!path) throw new ConfigError('DATABASE_URL sqlite:<path> needs a file path, e.g. sqlite:./data/app.db');
    return { type: 'sqlite', path: path === ':memory:' ? path : isAbsolute(path) ? path : resolve(path) };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('DATABASE_URL must look like mysql://user:pass@host:3306/db, mariadb://... or sqlite:<path>');
  }
  if (!['mysql:', 'mariadb:'].includes(parsed.protocol)) {
    throw new ConfigError(`DATABASE_URL scheme must be mysql:, mariadb: or sqlite:, got "${parsed.protocol}"`);
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!parsed.hostname || !database) {
    throw new ConfigError('DATABASE_URL must name a host and a database: mysql://user:pass@host:3306/db');
  }
  return {
    type: 'mysql',
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 3306,
    username: decodeURIComponent(parsed.username),
    // DATABASE_PASSWORD(_FILE) keeps the password out of the URL, e.g. as a docker secret.
    password: readEnv(env, 'DATABASE_PASSWORD') ?? decodeURIComponent(parsed.password),
    database,
    lockLeaseSeconds: readInt(env, 'STACK_LOCK_LEASE_SECONDS', DEFAULT_LOCK_LEASE_SECONDS, 3, 3600),
  };
}

export const databaseConfig = registerAs('database', () => loadDatabaseConfig());
