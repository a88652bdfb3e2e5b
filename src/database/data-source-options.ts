import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { DatabaseConfig } from '../config/database.config';
import { ALL_MIGRATIONS } from '../../migrations';

/** One place that turns DATABASE_URL into TypeORM options, for the app and the migration CLI alike. */
export function dataSourceOptions(db: DatabaseConfig): DataSourceOptions {
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
    extra: { connectionLimit: 10 },
  };
}
