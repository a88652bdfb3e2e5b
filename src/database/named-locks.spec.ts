import type { DataSource } from 'typeorm';
import { withNamedLock } from './named-locks';

/** A DataSource whose one pooled connection answers GET_LOCK with `got` and may fail RELEASE_LOCK. */
function fakeDataSource(opts: { got: number; releaseFails?: boolean }) {
  const log: string[] = [];
  const connection = { destroy: jest.fn(), stream: { destroy: jest.fn() } };
  const runner = {
    connect: jest.fn(async () => connection),
    query: jest.fn(async (sql: string, params: unknown[]) => {
      log.push(`${sql} ${JSON.stringify(params)}`);
      if (sql.includes('GET_LOCK')) return [{ got: opts.got }];
      if (opts.releaseFails) throw new Error('Connection lost');
      return [{}];
    }),
    release: jest.fn(async () => log.push('released to the pool')),
  };
  return { dataSource: { createQueryRunner: () => runner } as unknown as DataSource, runner, connection, log };
}

const lock = { name: 'dds:request:halo', waitSeconds: 10, busy: () => new Error('busy') };

describe('withNamedLock', () => {
  it('runs fn between GET_LOCK and RELEASE_LOCK on one connection, then pools it', async () => {
    const { dataSource, runner, log } = fakeDataSource({ got: 1 });
    const fn = jest.fn(async (r: unknown) => {
      expect(r).toBe(runner);
      log.push('fn');
      return 42;
    });
    await expect(withNamedLock(dataSource, lock, fn)).resolves.toBe(42);
    expect(log).toEqual(['SELECT GET_LOCK(?, ?) AS got ["dds:request:halo",10]', 'fn', 'SELECT RELEASE_LOCK(?) ["dds:request:halo"]', 'released to the pool']);
  });

  it('releases the lock when fn fails, and passes the failure on', async () => {
    const { dataSource, log } = fakeDataSource({ got: 1 });
    await expect(withNamedLock(dataSource, lock, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(log.slice(1)).toEqual(['SELECT RELEASE_LOCK(?) ["dds:request:halo"]', 'released to the pool']);
  });

  it('throws busy() and runs nothing when the lock does not come', async () => {
    const { dataSource, log } = fakeDataSource({ got: 0 });
    const fn = jest.fn();
    await expect(withNamedLock(dataSource, lock, fn)).rejects.toThrow('busy');
    expect(fn).not.toHaveBeenCalled();
    expect(log).toEqual(['SELECT GET_LOCK(?, ?) AS got ["dds:request:halo",10]', 'released to the pool']);
  });

  it('closes the connection, socket and all, when the release fails: it may still hold the lock', async () => {
    const { dataSource, connection } = fakeDataSource({ got: 1, releaseFails: true });
    await expect(withNamedLock(dataSource, lock, async () => 'done')).resolves.toBe('done');
    expect(connection.destroy).toHaveBeenCalled();
    expect(connection.stream.destroy).toHaveBeenCalled();
  });
});
