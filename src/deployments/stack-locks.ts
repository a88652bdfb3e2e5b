import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { AppError } from '../common/app-error';
import { Errors } from '../common/error-codes';
import { databaseConfig } from '../config/database.config';
import { destroyConnection, getLock, Mysql2Connection, withNamedLock } from '../database/named-locks';
import { LEASE_SQL, LeasedStackLock, LockSession, Renewal, stackLockName, statementsOn } from './stack-lock-lease';

export interface StackLock {
  /** Aborted, with a StackLockLost as its reason, once the lock is lost for good (MySQL only). */
  readonly lost: AbortSignal;
  /**
   * MySQL: from now on each renewal of the lease runs `renewal` on the lock's connection (null: a
   * bare ping); after the lock was taken again it must change a row, or the lock counts as lost.
   */
  renewWith(renewal: Renewal | null): void;
  release(): Promise<void>;
}

/**
 * One operation per stack at a time, across every instance sharing the database.
 * - MySQL/MariaDB: a named lock, `GET_LOCK('dds:stack:<stack>', 0)`, held on one dedicated connection
 *   for the whole operation (named locks belong to a connection, so taking and releasing them on
 *   pooled connections would be meaningless), under a lease of STACK_LOCK_LEASE_SECONDS (see
 *   LeasedStackLock): if the instance dies, or its node vanishes without a word to the server, the
 *   server ends its session one lease after its last renewal, and the lock with it. Lock names are per
 *   server, not per database, which is right when two databases drive one swarm.
 * - SQLite: one instance only (the database is a local file), so the in-process set below suffices.
 * The in-process set also stops one instance from taking its own stack twice.
 */
@Injectable()
export class StackLocks {
  private readonly logger = new Logger(StackLocks.name);
  private readonly held = new Set<string>();
  /** Per stack, the end of the last `exclusive` section queued in this instance. */
  private readonly sections = new Map<string, Promise<void>>();
  /** MySQL: the lease of every stack lock, in seconds; null on SQLite. */
  readonly leaseSeconds: number | null;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(databaseConfig.KEY) db: ConfigType<typeof databaseConfig>,
  ) {
    this.leaseSeconds = dataSource.options.type === 'mysql' && db.type === 'mysql' ? db.lockLeaseSeconds : null;
  }

  /** Takes the stack's lock without waiting; null when someone holds it. */
  async tryAcquire(stack: string): Promise<StackLock | null> {
    if (this.held.has(stack)) return null;
    this.held.add(stack);
    const release = async () => void this.held.delete(stack);
    if (this.leaseSeconds === null) return { lost: new AbortController().signal, renewWith: () => undefined, release };
    const leaseMs = this.leaseSeconds * 1000;
    let session: LockSession | undefined;
    try {
      session = await PooledLockSession.open(this.dataSource, leaseMs);
      const takenAt = Date.now();
      if (!(await getLock(statementsOn(session, leaseMs), stackLockName(stack), 0))) {
        session.release();
        this.held.delete(stack);
        return null;
      }
      await session.query(LEASE_SQL, [this.leaseSeconds], leaseMs);
      const lock = new LeasedStackLock(stack, session, takenAt, { leaseMs, open: (ms) => PooledLockSession.open(this.dataSource, ms), logger: this.logger });
      return {
        lost: lock.lost,
        renewWith: (renewal) => lock.renewWith(renewal),
        release: () => lock.release().finally(release),
      };
    } catch (err) {
      // It may hold the lock: closing it, not pooling it, lets the lock go.
      session?.destroy();
      this.held.delete(stack);
      throw err;
    }
  }

  /**
   * Runs `fn` alone for `stack`: one section at a time in this instance and, on MySQL/MariaDB, across
   * every instance sharing the database, under the named lock `dds:request:<stack>` (a different lock
   * from the operation lock above, held for milliseconds). For check-then-insert work such as webhook
   * de-duplication. `fn` must use the given EntityManager: on MySQL it is the connection holding the
   * lock, so a section never needs a second pooled connection while it waits or runs.
   *
   * No lease, unlike the stack lock: its one caller (DeploymentIntake, a webhook update) holds it for
   * a few statements of its own HTTP request (a lookup, an insert, marking older rows superseded),
   * never across docker or any other wait, and an instance that dies closes its connection, which lets
   * the lock go. Only a host vanishing without a word inside those milliseconds would leave it to the
   * server's wait_timeout; a lease is for the stack lock, which is held for a whole rollout.
   */
  async exclusive<T>(stack: string, fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    const before = this.sections.get(stack);
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    this.sections.set(stack, mine);
    try {
      await before;
      if (this.dataSource.options.type !== 'mysql') return await fn(this.dataSource.manager);
      const busy = () => new AppError(Errors.SERVICE_UNAVAILABLE, { zh: `栈 ${stack} 繁忙，请稍后重试`, en: `stack ${stack} is busy; try again` });
      return await withNamedLock(this.dataSource, { name: `dds:request:${stack}`, waitSeconds: 10, busy }, (runner) => fn(runner.manager));
    } finally {
      done();
      if (this.sections.get(stack) === mine) this.sections.delete(stack);
    }
  }
}

/** A pooled MySQL connection set aside for a lock, with a time limit on every statement. */
class PooledLockSession implements LockSession {
  private readonly listeners: ((err?: Error) => void)[] = [];

  private constructor(
    private readonly runner: QueryRunner,
    private readonly connection: Mysql2Connection,
  ) {}

  static async open(dataSource: DataSource, timeoutMs: number): Promise<PooledLockSession> {
    const runner = dataSource.createQueryRunner();
    const connecting = runner.connect() as Promise<Mysql2Connection>;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(unanswered(`no database connection within ${timeoutMs} ms`)), timeoutMs);
      });
      return new PooledLockSession(runner, await Promise.race([connecting, timeout]));
    } catch (err) {
      // A connection that comes after all goes back to the pool.
      connecting.then(() => runner.release(), () => undefined);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  query(sql: string, params: unknown[], timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      // A statement lost in a network cut never fails by itself (TCP retries for many minutes).
      const timer = setTimeout(() => {
        this.destroy();
        reject(unanswered(`the database did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.connection.query(sql, params, (err, result) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(result);
      });
    });
  }

  onClose(listener: (err: Error) => void): void {
    const once = (err?: Error) => listener(err ?? new Error('the server closed the connection'));
    this.listeners.push(once);
    this.connection.once('end', once);
    this.connection.once('error', once);
  }

  release(): void {
    this.unlisten();
    void this.runner.release();
  }

  destroy(): void {
    this.unlisten();
    destroyConnection(this.connection);
    void this.runner.release();
  }

  private unlisten(): void {
    for (const listener of this.listeners.splice(0)) {
      this.connection.removeListener('end', listener);
      this.connection.removeListener('error', listener);
    }
  }
}

function unanswered(message: string): Error {
  return Object.assign(new Error(message), { code: 'PROTOCOL_SEQUENCE_TIMEOUT' });
}
