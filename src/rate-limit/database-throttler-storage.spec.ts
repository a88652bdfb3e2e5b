import { Logger } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { AppError } from '../common/app-error';
import { Errors } from '../common/error-codes';
import { dataSourceOptions } from '../database/data-source-options';
import { DatabaseThrottlerStorage, SWEEP_INTERVAL_MS } from './database-throttler-storage';

const MINUTE = 60_000;

async function openDatabase(path = ':memory:'): Promise<DataSource> {
  const ds = new DataSource(dataSourceOptions({ type: 'sqlite', path }));
  await ds.initialize();
  await ds.runMigrations();
  return ds;
}

describe('DatabaseThrottlerStorage (SQLite)', () => {
  let ds: DataSource;
  let clock: number;
  let storage: DatabaseThrottlerStorage;
  const advance = (ms: number) => (clock += ms);
  /** One hit of `key` under the login limits' shape: 3 per minute, then blocked for `blockMs`. */
  const hit = (key = 'user:alice', blockMs = 2 * MINUTE, name = 'username') => storage.increment(key, MINUTE, 3, blockMs, name);

  beforeEach(async () => {
    ds = await openDatabase();
    clock = Date.UTC(2026, 0, 1);
    storage = new DatabaseThrottlerStorage(ds, () => clock);
  });
  afterEach(async () => {
    if (ds.isInitialized) await ds.destroy();
  });

  it('counts the hits of a window and tells how long it has left', async () => {
    await expect(hit()).resolves.toEqual({ totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });
    advance(10_500);
    await expect(hit()).resolves.toEqual({ totalHits: 2, timeToExpire: 50, isBlocked: false, timeToBlockExpire: 0 });
    await expect(hit()).resolves.toMatchObject({ totalHits: 3, isBlocked: false });
  });

  it('starts a new window once the last one ended', async () => {
    await hit();
    await hit();
    advance(MINUTE);
    await expect(hit()).resolves.toEqual({ totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });
  });

  it('blocks for blockDuration from the hit past the limit, then starts over', async () => {
    for (let i = 0; i < 3; i++) await hit();
    advance(30_000);
    await expect(hit()).resolves.toEqual({ totalHits: 4, timeToExpire: 120, isBlocked: true, timeToBlockExpire: 120 });
    // Past the window the block was passed in: still blocked, and further hits do not extend it.
    advance(MINUTE);
    await expect(hit()).resolves.toMatchObject({ isBlocked: true, timeToBlockExpire: 60 });
    advance(59_000);
    await expect(hit()).resolves.toMatchObject({ isBlocked: true, timeToBlockExpire: 1 });
    advance(1_000);
    await expect(hit()).resolves.toEqual({ totalHits: 1, timeToExpire: 60, isBlocked: false, timeToBlockExpire: 0 });
  });

  it('without a blockDuration, refuses until the window ends', async () => {
    for (let i = 0; i < 3; i++) await hit('user:bob', 0);
    advance(20_000);
    await expect(hit('user:bob', 0)).resolves.toEqual({ totalHits: 4, timeToExpire: 40, isBlocked: true, timeToBlockExpire: 40 });
    advance(40_000);
    await expect(hit('user:bob', 0)).resolves.toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('keeps one counter per key and throttler', async () => {
    for (let i = 0; i < 4; i++) await hit('user:alice');
    await expect(hit('user:carol')).resolves.toMatchObject({ totalHits: 1, isBlocked: false });
    await expect(hit('user:alice', 2 * MINUTE, 'address')).resolves.toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('stores a sha256 of the key, never the key', async () => {
    await hit('user:alice');
    const rows: { key_hash: string }[] = await ds.query('SELECT key_hash FROM rate_limit_counters');
    expect(rows).toEqual([{ key_hash: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
  });

  it('counts every hit once when many arrive together', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => hit('user:dave')));
    expect(results.map((r) => r.totalHits).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(results.filter((r) => !r.isBlocked)).toHaveLength(3);
  });

  it('deletes counters a minute past their end, at most once a minute', async () => {
    const counted = async () => (await ds.query('SELECT COUNT(*) AS n FROM rate_limit_counters'))[0].n;
    const plantEnded = () => ds.query('INSERT INTO rate_limit_counters (key_hash, hits, window_ends_at) VALUES (?, 1, ?)', ['0'.repeat(64), clock - 5 * MINUTE]);
    await hit('user:old'); // this instance's first hit sweeps (nothing yet)
    advance(2 * MINUTE + 1);
    await hit('user:new'); // a minute later it sweeps again: user:old's window ended over a minute ago
    expect(await counted()).toBe(1);

    await plantEnded();
    advance(SWEEP_INTERVAL_MS - 1);
    await hit('user:new');
    expect(await counted()).toBe(2);
    advance(1);
    await hit('user:new');
    expect(await counted()).toBe(1);
  });

  it('refuses with 503 when the database cannot count', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      await ds.destroy();
      const refused = await hit().catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(AppError);
      expect((refused as AppError).error).toBe(Errors.SERVICE_UNAVAILABLE);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('rate-limit counter could not be updated'));
    } finally {
      warn.mockRestore();
    }
  });
});

describe('DatabaseThrottlerStorage: two instances on one database', () => {
  it('counts their hits together', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dds-rate-'));
    const [one, two] = [await openDatabase(join(dir, 'db.sqlite')), await openDatabase(join(dir, 'db.sqlite'))];
    try {
      const a = new DatabaseThrottlerStorage(one);
      const b = new DatabaseThrottlerStorage(two);
      const answers = [];
      for (const storage of [a, b, a, b]) answers.push(await storage.increment('addr:10.0.0.1', MINUTE, 3, MINUTE, 'address'));
      expect(answers.map((r) => [r.totalHits, r.isBlocked])).toEqual([
        [1, false],
        [2, false],
        [3, false],
        [4, true],
      ]);
    } finally {
      await Promise.all([one.destroy(), two.destroy()]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('DatabaseThrottlerStorage on MySQL', () => {
  /** A MySQL stand-in: `transactions` replace its first transactions in turn (a deadlock, say); it records every statement. */
  const FIXED_NOW = 1_700_000_000_000;
  function fakeMysql(transactions: (() => Promise<unknown>)[]) {
    const statements: string[] = [];
    const tx = { query: async (sql: string) => (statements.push(sql), sql.startsWith('SELECT') ? [{ hits: 2, window_ends_at: String(FIXED_NOW + 30_000) }] : {}) };
    const dataSource = {
      options: { type: 'mysql' },
      transaction: async (work: (t: typeof tx) => Promise<unknown>) => (transactions.shift() ?? (() => work(tx)))(),
      query: async (sql: string) => (statements.push(sql), {}),
    };
    return { dataSource: dataSource as unknown as DataSource, statements };
  }
  const deadlock = () => Promise.reject(Object.assign(new Error('Deadlock found when trying to get lock'), { driverError: { errno: 1213 } }));

  it('upserts and reads the row back in one transaction', async () => {
    const { dataSource, statements } = fakeMysql([]);
    // A fixed clock: on a busy machine a millisecond between the two reads would make it 31 s.
    await expect(new DatabaseThrottlerStorage(dataSource, () => FIXED_NOW).increment('k', MINUTE, 3, MINUTE, 'address')).resolves.toMatchObject({ totalHits: 2, isBlocked: false, timeToExpire: 30 });
    expect(statements.map((sql) => sql.trim().split(/\s+/).slice(0, 2).join(' '))).toEqual(['INSERT INTO', 'SELECT hits,', 'DELETE FROM']);
    expect(statements[0]).toContain('ON DUPLICATE KEY UPDATE');
  });

  it('tries again when InnoDB picks the upsert as a deadlock victim, up to three times', async () => {
    await expect(new DatabaseThrottlerStorage(fakeMysql([deadlock]).dataSource).increment('k', MINUTE, 3, MINUTE, 'address')).resolves.toMatchObject({ totalHits: 2 });
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const refused = new DatabaseThrottlerStorage(fakeMysql([deadlock, deadlock, deadlock]).dataSource).increment('k', MINUTE, 3, MINUTE, 'address');
      await expect(refused).rejects.toMatchObject({ error: Errors.SERVICE_UNAVAILABLE });
    } finally {
      warn.mockRestore();
    }
  });
});
