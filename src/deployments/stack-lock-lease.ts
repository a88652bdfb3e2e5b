import { getLock, releaseLock, RunStatement } from '../database/named-locks';

/** One database session that can hold named locks: on MySQL, a pooled connection set aside. */
export interface LockSession {
  /** Runs one statement; rejects, and closes the session, when it does not answer within `timeoutMs`. */
  query(sql: string, params: unknown[], timeoutMs: number): Promise<unknown>;
  /** `listener` runs once if the session dies underneath (the server closed it, the network failed). */
  onClose(listener: (err: Error) => void): void;
  /** Back to the pool. */
  release(): void;
  /** Closed for good: a session that may still hold a lock never goes back to the pool. */
  destroy(): void;
}

/** A fresh session, within `timeoutMs`. */
export type OpenSession = (timeoutMs: number) => Promise<LockSession>;

/** A statement run on the lock's session at each renewal, e.g. writing the lease on the row it guards. */
export interface Renewal {
  sql: string;
  params: unknown[];
}

/** The reason of a StackLock's `lost` signal: why the lock could not be kept. */
export class StackLockLost extends Error {}

/** The named lock of one stack's operations. */
export const stackLockName = (stack: string) => `dds:stack:${stack}`;

/** Statements on `session`, each within `timeoutMs`. */
export const statementsOn = (session: LockSession, timeoutMs: number): RunStatement => (sql, params) => session.query(sql, params, timeoutMs);

/**
 * If this instance vanishes (no FIN or RST reaches the server), the server closes the session once idle
 * this long, and the lock goes with it: https://mariadb.com/kb/en/server-system-variables/#wait_timeout
 */
export const LEASE_SQL = 'SET SESSION wait_timeout = ?';
/** The pool's sessions keep the server's default. */
const UNLEASE_SQL = 'SET SESSION wait_timeout = @@GLOBAL.wait_timeout';
/** How long a retake waits for the lock: other instances hold it for milliseconds while they look at the stack. */
const RETAKE_WAIT_SECONDS = 2;
const RETAKE_PAUSE_MS = 2000;

type Log = { warn(message: string): void };

export interface LeaseOptions {
  leaseMs: number;
  open: OpenSession;
  logger: Log;
}

/**
 * A MySQL named lock `dds:stack:<stack>` held on one session under a lease: the session's
 * wait_timeout is the lease, and a renewal (a bare `DO 1`, or the Renewal given) runs every third of
 * it, so a vanished holder's session, and the lock, end one lease after its last renewal.
 *
 * When a renewal fails or the session dies (a database restart, a network cut), the lock is taken
 * again on fresh sessions, every few seconds, until one lease after the last renewal sent (until then
 * no other instance takes the guarded work over: recovery waits for the lease to end); a Renewal given
 * must then still change its row (a fence: no one took the work over meanwhile). Otherwise the lock is
 * lost: `lost` is aborted.
 */
export class LeasedStackLock {
  private readonly lostController = new AbortController();
  readonly lost = this.lostController.signal;
  private state: 'held' | 'retaking' | 'lost' | 'released' = 'held';
  private renewal: Renewal | null = null;
  private readonly timer: NodeJS.Timeout;
  private renewing = false;
  /** When the last statement that proved the lock held was sent. */
  private confirmedAt: number;
  private wake?: () => void;

  constructor(
    private readonly stack: string,
    private session: LockSession,
    takenAt: number,
    private readonly options: LeaseOptions,
  ) {
    this.confirmedAt = takenAt;
    this.watch(session);
    this.timer = setInterval(() => void this.renew(), this.answerMs);
    this.timer.unref();
  }

  /** How often the lease is renewed, and how long a statement on the lock's session may take. */
  private get answerMs(): number {
    return this.options.leaseMs / 3;
  }

  renewWith(renewal: Renewal | null): void {
    this.renewal = renewal;
  }

  async release(): Promise<void> {
    const was = this.state;
    this.state = 'released';
    clearInterval(this.timer);
    this.wake?.();
    if (was !== 'held') return; // its session is gone already
    try {
      await releaseLock(statementsOn(this.session, this.answerMs), stackLockName(this.stack));
      await this.session.query(UNLEASE_SQL, [], this.answerMs);
      this.session.release();
    } catch (err) {
      this.options.logger.warn(`releasing the lock of stack ${this.stack} failed (${message(err)}); closing its connection`);
      this.session.destroy();
    }
  }

  private watch(session: LockSession): void {
    session.onClose((err) => {
      if (session === this.session && this.state === 'held') this.retake(err);
    });
  }

  private async renew(): Promise<void> {
    if (this.state !== 'held' || this.renewing) return;
    this.renewing = true;
    const session = this.session;
    const sentAt = Date.now();
    try {
      const { sql, params } = this.renewal ?? { sql: 'DO 1', params: [] };
      await session.query(sql, params, this.answerMs);
      if (session === this.session) this.confirmedAt = sentAt;
    } catch (err) {
      if (session === this.session && this.state === 'held') this.retake(err);
    } finally {
      this.renewing = false;
    }
  }

  private retake(cause: unknown): void {
    this.state = 'retaking';
    this.session.destroy();
    const deadline = this.confirmedAt + this.options.leaseMs;
    this.options.logger.warn(
      `the connection holding the lock of stack ${this.stack} failed (${message(cause)}); taking the lock again for up to ${Math.max(0, deadline - Date.now())} ms`,
    );
    void this.retakeUntil(deadline);
  }

  private async retakeUntil(deadline: number): Promise<void> {
    let why = 'database unreachable';
    let detail = '';
    while (this.state === 'retaking') {
      const left = deadline - Date.now();
      if (left <= 0) return this.lose(why, detail);
      const sentAt = Date.now();
      let session: LockSession | undefined;
      try {
        session = await this.options.open(Math.min(left, this.answerMs));
        const wait = Math.min(RETAKE_WAIT_SECONDS, Math.floor(left / 1000));
        if (!(await getLock(statementsOn(session, left), stackLockName(this.stack), wait))) {
          [why, detail] = ['another instance holds it', ''];
          session.release();
        } else if (await this.resume(session, sentAt, deadline)) {
          return;
        }
      } catch (err) {
        session?.destroy();
        [why, detail] = ['database unreachable', message(err)];
      }
      if (this.state === 'retaking') {
        await new Promise<void>((resolve) => {
          const pause = setTimeout(resolve, Math.min(RETAKE_PAUSE_MS, this.options.leaseMs / 6, Math.max(0, deadline - Date.now())));
          this.wake = () => {
            clearTimeout(pause);
            resolve();
          };
        });
      }
    }
  }

  /** The lock is ours again on `session`: lease it and check the fence. False when it must not be kept. */
  private async resume(session: LockSession, sentAt: number, deadline: number): Promise<boolean> {
    if (this.state !== 'retaking' || Date.now() >= deadline) {
      session.destroy();
      if (this.state === 'retaking') this.lose('database unreachable', 'taken again only after the lease ended');
      return true;
    }
    await session.query(LEASE_SQL, [Math.round(this.options.leaseMs / 1000)], this.answerMs);
    if (this.renewal) {
      const result = (await session.query(this.renewal.sql, this.renewal.params, this.answerMs)) as { affectedRows?: number };
      if (result?.affectedRows !== 1) {
        session.destroy();
        this.lose('another instance took the work over meanwhile');
        return true;
      }
    }
    if (this.state !== 'retaking') {
      session.destroy();
      return true;
    }
    this.session = session;
    this.confirmedAt = sentAt;
    this.state = 'held';
    this.watch(session);
    this.options.logger.warn(`took the lock of stack ${this.stack} again`);
    return true;
  }

  private lose(why: string, detail = ''): void {
    if (this.state !== 'retaking') return;
    this.state = 'lost';
    clearInterval(this.timer);
    this.options.logger.warn(`lost the lock of stack ${this.stack} (${why}${detail && `: ${detail}`})`);
    this.lostController.abort(new StackLockLost(why));
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
