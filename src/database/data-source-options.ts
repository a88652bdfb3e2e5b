import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { DatabaseConfig } from '../config/database.config';
import { ALL_MIGRATIONS } from '../../migrations';

/**
 * Pooled MySQL connections besides the stack locks: requests, the queue worker's queries and its
 * output saves, and the short request-lock sections of webhook de-duplication.
 */
export const POOL_HEADROOM = 10;

/**
 * The MySQL pool size for an instance running up to `maxParallelDeployments` deployments at once.
 * Each running deployment holds one pooled connection for its whole operation (its stack's
 * GET_LOCK, see StackLocks), so a pool no larger than that would leave nothing for requests, the
 * deployments' own status updates or the release of their locks: the instance would stall.
 */
export function mysqlPoolSize(maxParallelDeployments: number): number {
  return Math.max(0, maxParallelDeployments) + POOL_HEADROOM;
}

/**
 * One place that turns DATABASE_URL into TypeORM options, for the app and the migration CLI alike.
 * `maxParallelDeployments` (MAX_PARALLEL_DEPLOYMENTS) sizes the MySQL pool; 0 where nothing deploys.
 */
export function dataSourceOptions(db: DatabaseConfig, maxParallelDeployments = 0): DataSourceOptions {
  const common = {
    migrations: ALL_MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsRun: false,
    synchronize: false,
    // Off: TypeORM's error log prints query parameters, which include password hashes and tokens.
    logging: false,
  };
  if (db.type === 'sqlite') {
    if (db.path !== ':memory:') mkdirSync(dirname(db.path), { recursive: true });
    return {
      ...common,
      type: 'better-sqlite3',
      database: db.path,
      // WAL lets readers run while a writer commits; busy_timeout waits instead of failing on a lock.
      prepareDatabase: (conn: { pragma(sql: string): unknown }) => {
        conn.pragma('journal_mode = WAL');
        conn.pragma('busy_timeout = 5000');
        conn.pragma('foreign_keys = ON');
      },
    };
  }
  return {
    ...common,
    type: 'mysql',
    host: db.host,
    port: db.port,
    username: db.username,
    password: db.password,
    database: db.database,
    charset: 'utf8mb4_unicode_ci',
    timezone: 'Z',
    // mysql2's connectionLimit; a request waits for a free connection rather than failing.
    poolSize: mysqlPoolSize(maxParallelDeployments),
  };
}
