import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { AppError } from '../common/app-error';
import { Errors } from '../common/error-codes';

export interface StackLock {
  release(): Promise<void>;
}

/**
 * One operation per stack at a time, across every instance sharing the database.
 * - MySQL/MariaDB: a named lock, `GET_LOCK('dds:stack:<stack>', 0)`, held on one dedicated connection
 *   for the whole operation (named locks belong to a connection, so taking and releasing them on
 *   pooled connections would be meaningless). If the instance dies, the server drops its connection
 *   and the lock with it: nothing stays locked. Lock names are per server, not per database, which is
 *   right when two databases drive one swarm.
 * - SQLite: one instance only (the database is a local file), so the in-process set below suffices.
 * The in-process set also stops one instance from taking its own stack twice.
 */
@Injectable()
export class StackLocks {
  private readonly logger = new Logger(StackLocks.name);
  private readonly held = new Set<string>();
  /** Per stack, the end of the last `exclusive` section queued in this instance. */
  private readonly sections = new Map<string, Promise<void>>();

  constructor(private readonly dataSource: DataSource) {}

  /** Takes the stack's lock without waiting; null when someone holds it. */
  async tryAcquire(stack: string): Promise<StackLock | null> {
    if (this.held.has(stack)) return null;
    this.held.add(stack);
    if (this.dataSource.options.type !== 'mysql') return { release: async () => void this.held.delete(stack) };
    let runner: QueryRunner | undefined;
    try {
      runner = this.dataSource.createQueryRunner();
      await runner.connect();
      const [row] = await runner.query("SELECT GET_LOCK(CONCAT('dds:stack:', ?), 0) AS got", [stack]);
      if (Number(row?.got) !== 1) {
        await runner.release();
        this.held.delete(stack);
        return null;
      }
    } catch (err) {
      await runner?.release().catch(() => undefined);
      this.held.delete(stack);
      throw err;
    }
    const connection = runner;
    return {
      release: async () => {
        try {
          await connection.query("SELECT RELEASE_LOCK(CONCAT('dds:stack:', ?))", [stack]);
          await connection.release();
        } catch (err) {
          // Never hand a connection that may still hold the lock back to the pool: close it instead.
          this.logger.warn(`releasing the lock of stack ${stack} failed (${(err as Error).message}); closing its connection`);
          (connection as unknown as { databaseConnection?: { destroy?: () => void } }).databaseConnection?.destroy?.();
          await connection.release().catch(() => undefined);
        } finally {
          this.held.delete(stack);
        }
      },
    };
  }

  /**
   * Runs `fn` alone for `stack`: one section at a time in this instance and, on MySQL/MariaDB, across
   * every instance sharing the database, under the named lock `dds:request:<stack>` (a different lock
   * from the operation lock above, held for milliseconds). For check-then-insert work such as webhook
   * de-duplication. `fn` must use the given EntityManager: on MySQL it is the connection holding the
   * lock, so a section never needs a second pooled connection while it waits or runs.
   */
  async exclusive<T>(stack: string, fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    const before = this.sections.get(stack);
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    this.sections.set(stack, mine);
    try {
      await before;
      if (this.dataSource.options.type !== 'mysql') return await fn(this.dataSource.manager);
      const runner = this.dataSource.createQueryRunner();
      try {
        await runner.connect();
        const [row] = await runner.query("SELECT GET_LOCK(CONCAT('dds:request:', ?), 10) AS got", [stack]);
        if (Number(row?.got) !== 1) {
          throw new AppError(Errors.SERVICE_UNAVAILABLE, { zh: `栈 ${stack} 繁忙，请稍后重试`, en: `stack ${stack} is busy; try again` });
        }
        try {
          return await fn(runner.manager);
        } finally {
          await runner.query("SELECT RELEASE_LOCK(CONCAT('dds:request:', ?))", [stack]).catch((err) => {
            // Never hand a connection that may still hold the lock back to the pool: close it instead.
            this.logger.warn(`releasing the request lock of stack ${stack} failed (${(err as Error).message}); closing its connection`);
            (runner as unknown as { databaseConnection?: { destroy?: () => void } }).databaseConnection?.destroy?.();
          });
        }
      } finally {
        await runner.release().catch(() => undefined);
      }
    } finally {
      done();
      if (this.sections.get(stack) === mine) this.sections.delete(stack);
    }
  }
}
