import { getLock } from '../database/named-locks';
import { LeasedStackLock, LockSession, StackLockLost, stackLockName, statementsOn } from './stack-lock-lease';

const HALO_LOCK = stackLockName('halo');

const connectionLost = () => Object.assign(new Error('Connection lost: The server closed the connection.'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true });

/**
 * Stands in for MySQL's named locks: a lock belongs to a session and goes when the session ends.
 * `restart()` ends every session at once; `down` refuses connections; `blackHole` answers nothing.
 */
class FakeServer {
  readonly holders = new Map<string, FakeSession>();
  readonly log: string[] = [];
  down = false;
  blackHole = false;
  /** What a renewal statement changes (the row it guards). */
  renewalRows = 1;
  opened = 0;

  open = async (): Promise<LockSession> => {
    if (this.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' });
    this.opened++;
    return new FakeSession(this, this.opened);
  };

  /** A session of someone else (another instance) holding `lock`. */
  takenBySomeoneElse(lock: string): FakeSession {
    const other = new FakeSession(this, 0);
    this.holders.set(lock, other);
    return other;
  }

  restart(): void {
    for (const session of new Set(this.holders.values())) session.die(connectionLost());
  }

  drop(session: FakeSession): void {
    for (const [stack, holder] of this.holders) if (holder === session) this.holders.delete(stack);
  }
}

class FakeSession implements LockSession {
  private listeners: ((err: Error) => void)[] = [];
  state: 'open' | 'released' | 'destroyed' | 'dead' = 'open';

  constructor(
    private readonly server: FakeServer,
    readonly id: number,
  ) {}

  query(sql: string, params: unknown[], timeoutMs: number): Promise<unknown> {
    this.server.log.push(`${this.id}: ${sql.startsWith('UPDATE') ? 'renew' : sql.split(' ').slice(0, 2).join(' ')}`);
    if (this.state !== 'open') return Promise.reject(connectionLost());
    if (this.server.blackHole) {
      return new Promise((_, reject) =>
        setTimeout(() => {
          this.destroy();
          reject(Object.assign(new Error('no answer'), { code: 'PROTOCOL_SEQUENCE_TIMEOUT' }));
        }, timeoutMs),
      );
    }
    const lock = params[0] as string;
    if (sql.includes('GET_LOCK')) {
      const holder = this.server.holders.get(lock);
      if (holder && holder !== this) return Promise.resolve([{ got: 0 }]);
      this.server.holders.set(lock, this);
      return Promise.resolve([{ got: 1 }]);
    }
    if (sql.includes('RELEASE_LOCK')) {
      if (this.server.holders.get(lock) === this) this.server.holders.delete(lock);
      return Promise.resolve([{}]);
    }
    if (sql.startsWith('UPDATE')) return Promise.resolve({ affectedRows: this.server.renewalRows });
    return Promise.resolve({ affectedRows: 0 });
  }

  onClose(listener: (err: Error) => void): void {
    this.listeners.push(listener);
  }

  release(): void {
    this.state = 'released';
    this.listeners = [];
  }

  destroy(): void {
    this.state = 'destroyed';
    this.listeners = [];
    this.server.drop(this);
  }

  die(err: Error): void {
    this.state = 'dead';
    this.server.drop(this);
    for (const listener of this.listeners.splice(0)) listener(err);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('LeasedStackLock', () => {
  const LEASE_MS = 600; // renewed every 200 ms
  let server: FakeServer;
  let warnings: string[];
  let lock: LeasedStackLock | undefined;

  /** Takes `stack` as StackLocks does, and leases it. */
  async function take(stack = 'halo'): Promise<{ lock: LeasedStackLock; session: FakeSession }> {
    const session = (await server.open()) as FakeSession;
    await getLock(statementsOn(session, 1000), stackLockName(stack), 0);
    lock = new LeasedStackLock(stack, session, Date.now(), { leaseMs: LEASE_MS, open: server.open, logger: { warn: (m) => warnings.push(m) } });
    return { lock, session };
  }

  beforeEach(() => {
    server = new FakeServer();
    warnings = [];
  });

  afterEach(async () => {
    await lock?.release();
    lock = undefined;
  });

  it('renews every third of the lease: a bare ping, or the renewal given', async () => {
    const { lock, session } = await take();
    expect([...server.holders.keys()]).toEqual(['dds:stack:halo']); // the name every version of the service takes
    await until(() => server.log.length > 1, 'a renewal');
    expect(server.log.slice(1)).toEqual(['1: DO 1']);
    lock.renewWith({ sql: "UPDATE deployments SET lease_expires_at = ... WHERE id = ? AND status = 'running'", params: [7] });
    const started = Date.now();
    await until(() => server.log.length > 2, 'the next renewal');
    expect(Date.now() - started).toBeLessThanOrEqual(LEASE_MS / 3 + 50);
    expect(server.log.slice(1)).toEqual(['1: DO 1', '1: renew']);
    expect(session.state).toBe('open');
    expect(lock.lost.aborted).toBe(false);
  });

  it('gives the lock back and the session to the pool on release, with the server default wait_timeout', async () => {
    const { lock, session } = await take();
    await lock.release();
    expect(server.log.slice(1)).toEqual(['1: SELECT RELEASE_LOCK(?)', '1: SET SESSION']);
    expect(session.state).toBe('released');
    expect(server.holders.size).toBe(0);
    await sleep(LEASE_MS / 3 + 50);
    expect(server.log).toHaveLength(3); // no renewal after the release
  });

  it('takes the lock again on a fresh session when its connection dies (a database restart), and carries on', async () => {
    const { lock } = await take();
    lock.renewWith({ sql: 'UPDATE deployments SET lease_expires_at = ...', params: [7] });
    server.restart();
    await until(() => server.holders.get(HALO_LOCK)?.id === 2, 'the lock to be taken again');
    expect(server.log.slice(1)).toEqual(['2: SELECT GET_LOCK(?,', '2: SET SESSION', '2: renew']);
    expect(warnings).toEqual([expect.stringMatching(/connection holding the lock of stack halo failed \(Connection lost/), 'took the lock of stack halo again']);
    await sleep(LEASE_MS / 3 + 50);
    expect(server.log.at(-1)).toBe('2: renew'); // renewing on the new session
    expect(lock.lost.aborted).toBe(false);
  });

  it('keeps trying while the database is down, and keeps the lock if it is back within the lease', async () => {
    const { lock } = await take();
    server.down = true;
    server.restart();
    await sleep(LEASE_MS / 2);
    expect(lock.lost.aborted).toBe(false);
    server.down = false;
    await until(() => server.holders.get(HALO_LOCK) !== undefined, 'the lock to be taken again');
    expect(lock.lost.aborted).toBe(false);
  });

  it('is lost, "database unreachable", when the database stays down for the lease', async () => {
    const { lock } = await take();
    const takenAt = Date.now();
    server.down = true;
    server.restart();
    await until(() => lock.lost.aborted, 'the lock to be lost');
    const after = Date.now() - takenAt;
    expect(after).toBeGreaterThanOrEqual(LEASE_MS - 10);
    expect(after).toBeLessThan(LEASE_MS + 300);
    expect(lock.lost.reason).toBeInstanceOf(StackLockLost);
    expect(lock.lost.reason.message).toBe('database unreachable');
    expect(warnings.at(-1)).toMatch(/^lost the lock of stack halo \(database unreachable: connect ECONNREFUSED/);
    server.down = false;
    await sleep(100);
    expect(server.holders.size).toBe(0); // it stopped trying
  });

  it('is lost when the network swallows every statement: the renewal times out, then nothing answers within the lease', async () => {
    const { lock, session } = await take();
    const takenAt = Date.now();
    server.blackHole = true;
    await until(() => lock.lost.aborted, 'the lock to be lost');
    expect(Date.now() - takenAt).toBeLessThan(LEASE_MS + 300);
    expect(lock.lost.reason.message).toBe('database unreachable');
    expect(session.state).toBe('destroyed'); // never handed back to the pool
  });

  it('waits out another instance holding the lock for a moment (it looks at the stack), then has it again', async () => {
    const { lock } = await take();
    server.restart();
    const other = server.takenBySomeoneElse(HALO_LOCK);
    await sleep(LEASE_MS / 4);
    server.drop(other);
    await until(() => server.holders.get(HALO_LOCK) !== undefined && server.holders.get(HALO_LOCK) !== other, 'the lock to be taken again');
    expect(lock.lost.aborted).toBe(false);
  });

  it('is lost, "another instance holds it", when someone else keeps it', async () => {
    const { lock } = await take();
    server.restart();
    server.takenBySomeoneElse(HALO_LOCK);
    await until(() => lock.lost.aborted, 'the lock to be lost');
    expect(lock.lost.reason.message).toBe('another instance holds it');
  });

  it('is lost when, taken again, its renewal finds the guarded row taken over (the fence)', async () => {
    const { lock } = await take();
    lock.renewWith({ sql: 'UPDATE deployments SET lease_expires_at = ...', params: [7] });
    server.renewalRows = 0; // e.g. recovery marked the deployment interrupted
    server.restart();
    await until(() => lock.lost.aborted, 'the lock to be lost');
    expect(lock.lost.reason.message).toBe('another instance took the work over meanwhile');
    expect(server.holders.size).toBe(0); // the session that took it again was closed, which let it go
  });

  it('stops trying to take it again once released, without reporting a loss', async () => {
    const { lock } = await take();
    server.down = true;
    server.restart();
    await sleep(50);
    await lock.release();
    server.down = false;
    await sleep(LEASE_MS);
    expect(server.holders.size).toBe(0);
    expect(lock.lost.aborted).toBe(false);
  });
});
