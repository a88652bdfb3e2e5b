import { Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { AppError } from '../common/app-error';
import { Errors } from '../common/error-codes';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** How often one instance deletes counters whose window ended, and how long after their end. */
export const SWEEP_INTERVAL_MS = 60_000;

/** MySQL's ER_LOCK_DEADLOCK: InnoDB rolled back an upsert racing others (rare; none seen in tests); it can simply run again. */
const DEADLOCK = 1213;
const ATTEMPTS = 3;

/**
 * The upsert of one hit. A row is a fixed window: `hits` so far and when the window ends. The hit
 * that passes the limit moves the end to now + blockDuration (the block); while it lasts every hit
 * is refused, and the first hit after it starts a new window. With blockDuration 0 the block lasts
 * to the end of the window. One statement, so replicas racing on one key count every hit once.
 *
 * Parameters: key hash, end of a first window, now, now, end of a first window, limit + 1,
 * blockDuration, now + blockDuration.
 */
function upsertSql(mysql: boolean): string {
  // MySQL and MariaDB evaluate the assignments left to right, each seeing the columns already set
  // (https://dev.mysql.com/doc/refman/8.4/en/update.html; unless MariaDB's SIMULTANEOUS_ASSIGNMENT
  // mode is on): the second sees `hits` with this hit counted. SQLite evaluates all on the old row.
  const hitsWithThisOne = mysql ? 'hits' : 'hits + 1';
  return `INSERT INTO rate_limit_counters (key_hash, hits, window_ends_at) VALUES (?, 1, ?)
    ${mysql ? 'ON DUPLICATE KEY UPDATE' : 'ON CONFLICT (key_hash) DO UPDATE SET'}
      hits = CASE WHEN window_ends_at <= ? THEN 1 ELSE hits + 1 END,
      window_ends_at = CASE
        WHEN window_ends_at <= ? THEN ?
        WHEN ${hitsWithThisOne} = ? AND ? > 0 THEN ?
        ELSE window_ends_at
      END`;
}

const SELECT_SQL = 'SELECT hits, window_ends_at FROM rate_limit_counters WHERE key_hash = ?';

interface CounterRow {
  hits: number | string;
  window_ends_at: number | string;
}

/**
 * @nestjs/throttler's storage in the database, so every instance on one database counts against the
 * same limits. Windows are measured on each instance's clock (replicas are expected to keep theirs
 * in sync, as NTP does; a skew only moves a window's end by as much).
 *
 * If the database cannot count, the request is refused with 503 rather than let through: an
 * unlimited login is what the limit exists to prevent, and a login needs the database anyway.
 */
export class DatabaseThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimit');
  private readonly mysql: boolean;
  private nextSweepAt = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly now: () => number = Date.now,
  ) {
    this.mysql = dataSource.options.type === 'mysql';
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const now = this.now();
    const keyHash = createHash('sha256').update(`${throttlerName}\n${key}`).digest('hex');
    const firstWindowEndsAt = now + (limit < 1 && blockDuration > 0 ? blockDuration : ttl);
    const params = [keyHash, firstWindowEndsAt, now, now, firstWindowEndsAt, limit + 1, blockDuration, now + blockDuration];
    let row: CounterRow;
    try {
      row = await this.upsert(keyHash, params);
    } catch (err) {
      this.logger.warn(`refusing the request: the rate-limit counter could not be updated: ${(err as Error).message}`);
      throw new AppError(Errors.SERVICE_UNAVAILABLE, { zh: '暂时无法检查请求频率限制', en: 'the rate limit could not be checked' });
    }
    await this.sweep(now);

    const totalHits = Number(row.hits);
    const secondsLeft = Math.ceil((Number(row.window_ends_at) - now) / 1000);
    const isBlocked = totalHits > limit;
    return { totalHits, timeToExpire: secondsLeft, isBlocked, timeToBlockExpire: isBlocked ? secondsLeft : 0 };
  }

  private async upsert(keyHash: string, params: unknown[]): Promise<CounterRow> {
    if (!this.mysql) {
      const [row] = await this.dataSource.query(`${upsertSql(false)} RETURNING hits, window_ends_at`, params);
      return row;
    }
    // MySQL has no RETURNING: the upsert's row lock, held to the commit, keeps the read this hit's own.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction(async (tx) => {
          await tx.query(upsertSql(true), params);
          const [row] = await tx.query(SELECT_SQL, [keyHash]);
          return row;
        });
      } catch (err) {
        const errno = (err as { driverError?: { errno?: number } }).driverError?.errno;
        if (errno !== DEADLOCK || attempt === ATTEMPTS) throw err;
      }
    }
  }

  /** At most once a minute per instance: counters a minute past their end (clocks may differ a little). */
  private async sweep(now: number): Promise<void> {
    if (now < this.nextSweepAt) return;
    this.nextSweepAt = now + SWEEP_INTERVAL_MS;
    try {
      await this.dataSource.query('DELETE FROM rate_limit_counters WHERE window_ends_at < ?', [now - SWEEP_INTERVAL_MS]);
    } catch (err) {
      this.logger.warn(`could not delete ended rate-limit counters: ${(err as Error).message}`);
    }
  }
}
