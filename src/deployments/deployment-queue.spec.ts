import { firstValueFrom, toArray } from 'rxjs';
import { DataSource, Repository } from 'typeorm';
import { loadDockerConfig } from '../config/docker.config';
import { dataSourceOptions } from '../database/data-source-options';
import { Script } from '../scripts/entities/script.entity';
import { DeploymentExecutor, DeploymentStopped, ExecutionContext, ExecutionResult } from './deployment-executor';
import { NOTIFICATION_TEST_ENTITIES, testNotices } from './deployment-notices.testing';
import { DeploymentEvents, DeploymentsSuperseded } from './deployment-events';
import { DeploymentRecovery } from './deployment-recovery';
import { DeploymentRunner } from './deployment-runner';
import { DeploymentsService } from './deployments.service';
import { DeploymentIntake } from './deployment-intake';
import { DeploymentWaits } from './deployment-waits';
import { DeploymentStreams } from './deployment-streams';
import { Deployment } from './entities/deployment.entity';
import { StackLockLost } from './stack-lock-lease';
import { StackLock, StackLocks } from './stack-locks';

/** Stands in for docker: each execution waits until the test finishes it, and records overlap. */
class FakeExecutor {
  readonly started: { d: Deployment; ctx: ExecutionContext; finish: (r?: ExecutionResult) => void }[] = [];
  private readonly runningByStack = new Map<string, number>();
  maxPerStack = 0;
  maxTotal = 0;
  private total = 0;

  execute(d: Deployment, ctx: ExecutionContext): Promise<ExecutionResult> {
    return new Promise((resolve) => {
      const n = (this.runningByStack.get(d.serviceName) ?? 0) + 1;
      this.runningByStack.set(d.serviceName, n);
      this.total++;
      this.maxPerStack = Math.max(this.maxPerStack, n);
      this.maxTotal = Math.max(this.maxTotal, this.total);
      const finish = (r: ExecutionResult = { status: 'succeeded' }) => {
        this.runningByStack.set(d.serviceName, (this.runningByStack.get(d.serviceName) ?? 1) - 1);
        this.total--;
        resolve(r);
      };
      // As the real executor: a stop is recorded interrupted, for the reason given.
      ctx.signal.addEventListener('abort', () => finish({ status: 'interrupted', error: (ctx.signal.reason as Error).message, errorCode: 50012 }));
      this.started.push({ d, ctx, finish });
    });
  }

  ids = () => this.started.map((s) => s.d.id);
}

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('deployment queue (SQLite, fake docker)', () => {
  let ds: DataSource;
  let repo: Repository<Deployment>;
  let fake: FakeExecutor;
  let runner: DeploymentRunner;
  let recovery: DeploymentRecovery;
  let intake: DeploymentIntake;
  let waits: DeploymentWaits;
  let streams: DeploymentStreams;
  let locks: StackLocks;
  let events: DeploymentEvents;
  const scripts: Record<string, Script> = {};

  beforeEach(async () => {
    ds = new DataSource({ ...dataSourceOptions({ type: 'sqlite', path: ':memory:' }), entities: [Deployment, Script, ...NOTIFICATION_TEST_ENTITIES] });
    await ds.initialize();
    await ds.runMigrations();
    await ds.query("INSERT INTO users (username, password_hash, name, phone, role) VALUES ('u', 'x', 'u', '123456', 'ADMIN')");
    for (const name of ['a', 'b', 'c']) {
      scripts[name] = await ds.getRepository(Script).save({
        userId: 1,
        serviceName: name,
        composeContent: `services:\n  ${name}: {image: 'acme/${name}:1'}\n`,
        images: [{ service: name, image: `acme/${name}:1`, repository: `docker.io/acme/${name}` }],
        isAutoUpdate: 1,
        webhookToken: 't',
        createdBy: 1,
        updatedBy: 1,
      });
    }
    repo = ds.getRepository(Deployment);
    fake = new FakeExecutor();
    locks = new StackLocks(ds, { type: 'sqlite', path: ':memory:' });
    events = new DeploymentEvents();
    recovery = new DeploymentRecovery(repo, locks, testNotices(), events);
    runner = new DeploymentRunner(
      repo,
      locks,
      fake as unknown as DeploymentExecutor,
      testNotices(),
      recovery,
      events,
      { ...loadDockerConfig({}), maxParallelDeployments: 2 },
      { graceSeconds: 0 },
    );
    intake = new DeploymentIntake(repo, runner, locks, testNotices(), events);
    const history = new DeploymentsService(repo);
    waits = new DeploymentWaits(history, runner, events);
    streams = new DeploymentStreams(history, runner, events);
    await runner.onApplicationBootstrap();
  });

  afterEach(async () => {
    await runner.beforeApplicationShutdown();
    await ds.destroy();
  });

  const manualUpdate = (stack: string, tag: string) =>
    intake.request({ script: scripts[stack], userId: 1, action: 'update', trigger: 'manual', repository: `acme/${stack}`, tag, services: [stack] });
  const webhook = (stack: string, tag: string, digest?: string) =>
    intake.request({ script: scripts[stack], userId: 1, action: 'update', trigger: 'webhook', repository: `acme/${stack}`, tag, digest, services: [stack] });
  const statusOf = async (id: number) => (await repo.findOneByOrFail({ id })).status;

  it('runs one operation per stack in order, stacks in parallel up to MAX_PARALLEL_DEPLOYMENTS', async () => {
    const a1 = await intake.request({ script: scripts.a, userId: 1, action: 'create', trigger: 'manual' });
    const a2 = await manualUpdate('a', '2');
    const a3 = await manualUpdate('a', '3');
    const b1 = await intake.request({ script: scripts.b, userId: 1, action: 'create', trigger: 'manual' });
    const c1 = await intake.request({ script: scripts.c, userId: 1, action: 'create', trigger: 'manual' });
    await until(() => fake.started.length === 2, 'two starts');
    expect(fake.ids().sort()).toEqual([a1.id, b1.id]);
    expect(a2.services).toEqual(['a_a']);
    const finished = new Set<number>();
    while (finished.size < 5) {
      await until(() => fake.started.some((s) => !finished.has(s.d.id)), 'the next start');
      const next = fake.started.find((s) => !finished.has(s.d.id))!;
      finished.add(next.d.id);
      next.finish();
      await until(async () => (await statusOf(next.d.id)) === 'succeeded', `deployment ${next.d.id} to finish`);
    }
    const order = fake.ids();
    expect(order.filter((id) => [a1.id, a2.id, a3.id].includes(id))).toEqual([a1.id, a2.id, a3.id]);
    expect(order).toContain(c1.id);
    expect(fake.maxPerStack).toBe(1);
    expect(fake.maxTotal).toBe(2);
  });

  it('supersedes queued webhook updates by a newer push, never manual ones, and de-duplicates repeats', async () => {
    const supersededCounts: number[] = [];
    events.on(DeploymentsSuperseded, ({ count }) => supersededCounts.push(count));
    const w1 = await webhook('a', 'w1');
    await until(() => fake.started.length === 1, 'w1 to start');
    expect((await webhook('a', 'w1')).id).toBe(w1.id); // repeat while running: the same deployment
    const w2 = await webhook('a', 'w2', 'sha256:' + '2'.repeat(64));
    expect((await webhook('a', 'w2', 'sha256:' + '2'.repeat(64))).id).toBe(w2.id); // repeat while queued
    const w3 = await webhook('a', 'w3');
    const manual = await manualUpdate('a', 'm');
    const w4 = await webhook('a', 'w4');
    expect(await statusOf(w2.id)).toBe('superseded');
    expect(await statusOf(w3.id)).toBe('superseded');
    expect(await statusOf(manual.id)).toBe('queued');
    expect((await repo.findOneByOrFail({ id: w2.id })).error).toMatch(`superseded by deployment ${w3.id}`);
    expect(supersededCounts).toEqual([1, 1]); // reported for /metrics: w2 by w3, then w3 by w4

    for (const expected of [w1.id, manual.id, w4.id]) {
      await until(() => fake.started.at(-1)?.d.id === expected, `deployment ${expected} to start`);
      fake.started.at(-1)!.finish();
    }
    await until(async () => (await statusOf(w4.id)) === 'succeeded', 'w4 to succeed');
    expect(fake.ids()).toEqual([w1.id, manual.id, w4.id]);
  });

  it('queues one deployment for the same push arriving several times at once', async () => {
    const digest = 'sha256:' + '5'.repeat(64);
    const answers = await Promise.all([1, 2, 3, 4, 5, 6].map(() => webhook('a', 'w5', digest)));
    expect(new Set(answers.map((d) => d.id)).size).toBe(1);
    expect(await repo.countBy({ serviceName: 'a', tag: 'w5' })).toBe(1);
  });

  it('wait() answers the current state at its timeout and the final one when done', async () => {
    const d = await manualUpdate('b', '2');
    // Started first: under load the runner may take longer than the 50 ms wait to claim it.
    await until(() => fake.started.length === 1, 'start');
    await expect(waits.wait(d.id, 50)).resolves.toMatchObject({ id: d.id, status: 'running' });
    const waiting = waits.wait(d.id, 5000);
    fake.started[0].finish({ status: 'rolled_back', error: 'rolled back', errorCode: 50011 });
    await expect(waiting).resolves.toMatchObject({ status: 'rolled_back', errorCode: 50011, finishedAt: expect.any(Date) });
  });

  it('streams lines then the status, and replays them once finished', async () => {
    const d = await manualUpdate('c', '2');
    await until(() => fake.started.length === 1, 'start');
    const live = firstValueFrom(streams.subscribe(d.id).pipe(toArray()));
    fake.started[0].ctx.onLine('c_c');
    fake.started[0].ctx.onLine('verify: Service c_c converged');
    fake.started[0].finish();
    const events = await live;
    expect(events.map((e) => (e.type === 'line' ? e.line : e.deployment.status))).toEqual(['c_c', 'verify: Service c_c converged', 'succeeded']);
    const replay = await firstValueFrom(streams.subscribe(d.id, 1).pipe(toArray()));
    expect(replay.map((e) => (e.type === 'line' ? `${e.seq}:${e.line}` : e.deployment.status))).toEqual(['2:verify: Service c_c converged', 'succeeded']);
  });

  it('marks running rows nobody holds as interrupted (start-up recovery)', async () => {
    const orphan = await repo.save(
      repo.create({ scriptId: scripts.c.id, userId: 1, serviceName: 'c', action: 'remove', trigger: 'manual', status: 'running', createdAt: new Date(), startedAt: new Date() }),
    );
    await recovery.recover();
    await expect(repo.findOneByOrFail({ id: orphan.id })).resolves.toMatchObject({ status: 'interrupted', errorCode: 50012, finishedAt: expect.any(Date) });
  });

  it('on shutdown stops running work as interrupted and leaves queued work queued', async () => {
    const running = await manualUpdate('a', '2');
    const queued = await manualUpdate('a', '3');
    await until(() => fake.started.length === 1, 'start');
    await runner.beforeApplicationShutdown();
    await expect(repo.findOneByOrFail({ id: running.id })).resolves.toMatchObject({
      status: 'interrupted',
      error: 'the operation was stopped because the service is shutting down',
    });
    expect(await statusOf(queued.id)).toBe('queued');
    await expect(waits.wait(queued.id, 5000)).resolves.toMatchObject({ status: 'queued' });
  });

  it('stops a run whose stack lock is lost, and records why', async () => {
    // The lock as StackLocks gives it, with a `lost` signal the test controls.
    const losses: AbortController[] = [];
    const tryAcquire = locks.tryAcquire.bind(locks);
    jest.spyOn(locks, 'tryAcquire').mockImplementation(async (stack): Promise<StackLock | null> => {
      const lock = await tryAcquire(stack);
      if (!lock) return null;
      const loss = new AbortController();
      losses.push(loss);
      return { ...lock, lost: loss.signal };
    });
    const d = await manualUpdate('b', '2');
    await until(() => fake.started.length === 1, 'start');
    losses.at(-1)!.abort(new StackLockLost('database unreachable'));
    expect(fake.started[0].ctx.signal.reason).toBeInstanceOf(DeploymentStopped);
    await until(async () => (await statusOf(d.id)) === 'interrupted', 'the run to be recorded');
    const row = await repo.findOneByOrFail({ id: d.id });
    expect(row).toMatchObject({ errorCode: 50012, finishedAt: expect.any(Date) });
    expect(row.error).toMatch(/^lost the stack lock \(database unreachable\): stopped so that no other instance changes the stack at the same time/);
  });

  it('records the outcome once the database answers again (a restart while it ran)', async () => {
    const d = await manualUpdate('c', '2');
    await until(() => fake.started.length === 1, 'start');
    const lost = () => Object.assign(new Error('Connection lost: The server closed the connection.'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true });
    const transaction = jest.spyOn(repo.manager, 'transaction').mockRejectedValueOnce(lost()).mockRejectedValueOnce(lost());
    fake.started[0].finish({ status: 'rolled_back', error: 'rolled back', errorCode: 50011 });
    await until(async () => (await statusOf(d.id)) === 'rolled_back', 'the outcome to be recorded', 10_000);
    expect(transaction).toHaveBeenCalledTimes(3);
  });

  it('refuses an invalid update before recording anything', async () => {
    await expect(webhook('a', '$(id)')).rejects.toMatchObject({ error: { code: 40040 } });
    await expect(
      intake.request({ script: scripts.a, userId: 1, action: 'update', trigger: 'webhook', repository: 'acme/a', tag: '1', services: [] }),
    ).rejects.toMatchObject({ error: { code: 40041 } });
    expect(await repo.count()).toBe(0);
  });
});
