import { Logger } from '@nestjs/common';
import type { DataSource, QueryRunner } from 'typeorm';

/**
 * MySQL/MariaDB named locks (https://mariadb.com/kb/en/get_lock/): a lock belongs to the connection
 * that took it and goes when that connection ends, so a connection that may still hold one is closed,
 * never handed back to the pool. Lock names are per server, not per database.
 */

/** Runs one statement on the connection that takes, holds or releases the lock. */
export type RunStatement = (sql: string, params: unknown[]) => Promise<unknown>;

/** Takes `name`, waiting up to `waitSeconds`; false when another connection held it all that time. */
export async function getLock(run: RunStatement, name: string, waitSeconds: number): Promise<boolean> {
  const [row] = (await run('SELECT GET_LOCK(?, ?) AS got', [name, waitSeconds])) as { got?: unknown }[];
  return Number(row?.got) === 1;
}

export async function releaseLock(run: RunStatement, name: string): Promise<void> {
  await run('SELECT RELEASE_LOCK(?)', [name]);
}

/** mysql2's callback connection, as a TypeORM query runner holds it once connected. */
export interface Mysql2Connection {
  query(sql: string, params: unknown[], callback: (err: Error | null, result: unknown) => void): void;
  once(event: 'end' | 'error', listener: (err?: Error) => void): void;
  removeListener(event: 'end' | 'error', listener: (err?: Error) => void): void;
  destroy(): void;
  stream?: { destroy(): void };
}

/** Closes the connection at once, which lets go of every lock it holds. */
export function destroyConnection(connection: Mysql2Connection): void {
  // mysql2's destroy() only ends the socket politely; a socket into a black hole must go at once.
  connection.destroy();
  connection.stream?.destroy();
}

export interface NamedLock {
  name: string;
  waitSeconds: number;
  /** What is thrown when the lock did not come within `waitSeconds`. */
  busy: () => Error;
}

const logger = new Logger('NamedLocks');

/**
 * Runs `fn` holding `lock` on a pooled connection set aside for it; `fn` gets that connection's query
 * runner. If the release fails, the connection is closed instead of pooled, which lets the lock go.
 */
export async function withNamedLock<T>(dataSource: DataSource, lock: NamedLock, fn: (runner: QueryRunner) => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner();
  try {
    const connection = (await runner.connect()) as Mysql2Connection;
    const run: RunStatement = (sql, params) => runner.query(sql, params);
    if (!(await getLock(run, lock.name, lock.waitSeconds))) throw lock.busy();
    try {
      return await fn(runner);
    } finally {
      await releaseLock(run, lock.name).catch((err: Error) => {
        logger.warn(`releasing the lock ${lock.name} failed (${err.message}); closing its connection`);
        destroyConnection(connection);
      });
    }
  } finally {
    await runner.release().catch(() => undefined);
  }
}
