import { DataSource, Repository } from 'typeorm';
import { loadDockerConfig } from '../config/docker.config';
import { dataSourceOptions } from '../database/data-source-options';
import { ChannelScript } from '../notifications/entities/channel-script.entity';
import { NotificationChannel } from '../notifications/entities/notification-channel.entity';
import { NotificationDelivery } from '../notifications/entities/notification-delivery.entity';
import { DeploymentNotice, NotificationEvent } from '../notifications/notice';
import { Script } from '../scripts/entities/script.entity';
import { DeploymentExecutor, ExecutionResult } from './deployment-executor';
import { eventOf } from './deployment-notices';
import { NOTIFICATION_TEST_ENTITIES, testNotices } from './deployment-notices.testing';
import { DeploymentEvents } from './deployment-events';
import { DeploymentRecovery } from './deployment-recovery';
import { DeploymentRunner } from './deployment-runner';
import { DeploymentsService } from './deployments.service';
import { DeploymentIntake } from './deployment-intake';
import { DeploymentWaits } from './deployment-waits';
import { Deployment } from './entities/deployment.entity';
import { StackLocks } from './stack-locks';

/** The queue with a scripted executor and the real outbox on SQLite: which messages each outcome queues. */
describe('deployment notifications (outbox)', () => {
  let ds: DataSource;
  let repo: Repository<Deployment>;
  let runner: DeploymentRunner;
  let recovery: DeploymentRecovery;
  let intake: DeploymentIntake;
  let waits: DeploymentWaits;
  let outcomes: ExecutionResult[];
  /** Runs while a deployment executes, before its outcome is returned. */
  let during: ((d: Deployment) => Promise<void>) | undefined;
  let script: Script;
  let other: Script;

  const ROLLED_BACK: ExecutionResult = { status: 'rolled_back', error: 'app_web: the update to acme/app:2@sha256:' + 'a'.repeat(64) + ' failed and was rolled back', errorCode: 50011 };

  beforeEach(async () => {
    ds = new DataSource({ ...dataSourceOptions({ type: 'sqlite', path: ':memory:' }), entities: [Deployment, Script, ...NOTIFICATION_TEST_ENTITIES] });
    await ds.initialize();
    await ds.runMigrations();
    await ds.query("INSERT INTO users (username, password_hash, name, phone, role) VALUES ('alice', 'x', 'a', '1', 'ADMIN'), ('bob', 'x', 'b', '2', 'USER')");
    const save = (userId: number, name: string) =>
      ds.getRepository(Script).save({
        userId,
        serviceName: name,
        composeContent: `services:\n  web: {image: 'acme/app:1'}\n`,
        images: [{ service: 'web', image: 'acme/app:1', repository: 'docker.io/acme/app' }],
        isAutoUpdate: 1,
        webhookToken: 't',
        createdBy: userId,
        updatedBy: userId,
      });
    script = await save(1, 'app');
    other = await save(1, 'other');
    repo = ds.getRepository(Deployment);
    outcomes = [];
    during = undefined;
    const executor = {
      execute: async (d: Deployment): Promise<ExecutionResult> => {
        await during?.(d);
        return outcomes.shift() ?? { status: 'succeeded', previousImage: 'acme/app:1' };
      },
    };
    const notices = testNotices({ NOTIFICATION_COLLAPSE_MINUTES: '60' });
    const locks = new StackLocks(ds, { type: 'sqlite', path: ':memory:' });
    const events = new DeploymentEvents();
    recovery = new DeploymentRecovery(repo, locks, notices, events);
    runner = new DeploymentRunner(repo, locks, executor as unknown as DeploymentExecutor, notices, recovery, events, loadDockerConfig({}), { graceSeconds: 0 });
    intake = new DeploymentIntake(repo, runner, locks, notices, events);
    const history = new DeploymentsService(repo);
    waits = new DeploymentWaits(history, runner, events);
  });

  afterEach(async () => {
    await runner.beforeApplicationShutdown();
    await ds.destroy();
  });

  async function channel(over: Partial<NotificationChannel> & { scripts?: number[] } = {}): Promise<number> {
    const { scripts = [], ...fields } = over;
    const { identifiers } = await ds.getRepository(NotificationChannel).insert({
      userId: 1,
      name: `c${Math.random()}`,
      type: 'webhook',
      language: 'zh',
      events: ['succeeded', 'failed', 'rolled_back', 'timed_out', 'interrupted'],
      isDefault: 1,
      targetEncrypted: 'x',
      targetSummary: 'https://example.com',
      ...fields,
    });
    const id = Number(identifiers[0].id);
    for (const scriptId of scripts) await ds.getRepository(ChannelScript).insert({ channelId: id, scriptId });
    return id;
  }

  /** Runs one manual update of `s` to the end. */
  async function deploy(s: Script = script, result?: ExecutionResult): Promise<Deployment> {
    if (result) outcomes.push(result);
    const d = await intake.request({ script: s, userId: s.userId, action: 'update', trigger: 'manual', repository: 'acme/app', tag: '2', services: ['web'] });
    runner.kick();
    return waits.wait(d.id, 5000);
  }

  const messages = async (channelId?: number) => {
    const rows = await ds.getRepository(NotificationDelivery).find({ where: channelId ? { channelId } : {}, order: { id: 'ASC' } });
    return rows.map((r) => ({ status: r.status, event: r.event, channelId: r.channelId, notice: JSON.parse(r.notice) as DeploymentNotice }));
  };

  it('queues one message per chosen event, saying what happened', async () => {
    const id = await channel();
    const d = await deploy();
    expect(d.status).toBe('succeeded');
    const [m, ...rest] = await messages(id);
    expect(rest).toEqual([]);
    expect(m).toMatchObject({ status: 'pending', event: 'succeeded' });
    expect(m.notice).toMatchObject({
      deploymentId: d.id,
      stack: 'app',
      action: 'update',
      previousImage: 'acme/app:1',
      image: 'acme/app:2',
      trigger: { kind: 'manual', username: 'alice' },
      url: `https://deploy.example.com/deployments/${d.id}`,
      recovered: false,
      repeats: 0,
    });
    expect(m.notice.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('sends nothing for events a channel did not choose, and started only to channels that chose it', async () => {
    const quiet = await channel({ events: ['failed'] });
    const chatty = await channel({ events: ['started', 'succeeded'] });
    await deploy();
    expect(await messages(quiet)).toEqual([]);
    expect((await messages(chatty)).map((m) => m.event)).toEqual(['started', 'succeeded']);
  });

  it('uses the channels attached to a script instead of the defaults; other scripts use the defaults', async () => {
    const fallback = await channel({ isDefault: 1 });
    const attached = await channel({ isDefault: 0, scripts: [script.id] });
    await deploy(script);
    await deploy(other);
    expect((await messages(attached)).map((m) => m.notice.stack)).toEqual(['app']);
    expect((await messages(fallback)).map((m) => m.notice.stack)).toEqual(['other']);
  });

  it('never uses another user\'s channels, even if attached to the script', async () => {
    const bobs = await channel({ userId: 2, isDefault: 1, scripts: [script.id] });
    await deploy();
    expect(await messages(bobs)).toEqual([]);
  });

  it('collapses identical failures (digests aside), counts them in the next message, and always reports the recovery', async () => {
    const id = await channel({ events: ['failed', 'rolled_back'] });
    await deploy(script, ROLLED_BACK);
    await deploy(script, { ...ROLLED_BACK, error: ROLLED_BACK.error!.replace(/a{64}/, 'b'.repeat(64)) });
    await deploy(script, ROLLED_BACK);
    await deploy(script);
    const all = await messages(id);
    expect(all.map((m) => [m.event, m.status])).toEqual([
      ['rolled_back', 'pending'],
      ['rolled_back', 'collapsed'],
      ['rolled_back', 'collapsed'],
      ['succeeded', 'pending'],
    ]);
    // The channel did not choose `succeeded`: the recovery comes anyway, and says how many were collapsed.
    expect(all[3].notice).toMatchObject({ recovered: true, repeats: 2 });
  });

  it('reports a different failure, and the same failure again after the collapse window', async () => {
    const id = await channel();
    await deploy(script, ROLLED_BACK);
    await deploy(script, { status: 'failed', error: 'something else', errorCode: 50010 });
    await deploy(script, { status: 'failed', error: 'something else', errorCode: 50010 });
    // Older than the window: the next identical failure is reported again, counting the collapsed one.
    await ds.getRepository(NotificationDelivery).update({ channelId: id }, { createdAt: new Date(Date.now() - 61 * 60_000) });
    await deploy(script, { status: 'failed', error: 'something else', errorCode: 50010 });
    const all = await messages(id);
    expect(all.map((m) => [m.event, m.status, m.notice.repeats])).toEqual([
      ['rolled_back', 'pending', 0],
      ['failed', 'pending', 0],
      ['failed', 'collapsed', 0],
      ['failed', 'pending', 1],
    ]);
  });

  it('names a failure that ran out of time timed_out, with the last output lines', async () => {
    const id = await channel();
    outcomes.push({ status: 'failed', error: 'docker timed out', errorCode: 50014 });
    const d = await deploy();
    expect(d.status).toBe('failed');
    const [m] = await messages(id);
    expect(m.event).toBe('timed_out');
    expect(m.notice).toMatchObject({ error: 'docker timed out', errorCode: 50014 });
  });

  it('reports superseded webhook updates to channels that chose superseded', async () => {
    const id = await channel({ events: ['superseded'] });
    await runner.beforeApplicationShutdown(); // nothing runs: the first push stays queued
    const request = (tag: string) =>
      intake.request({ script, userId: 1, action: 'update', trigger: 'webhook', repository: 'acme/app', tag, services: ['web'], source: 'dockerhub' });
    const first = await request('2');
    await request('3');
    const [m, ...rest] = await messages(id);
    expect(rest).toEqual([]);
    expect(m).toMatchObject({ event: 'superseded', notice: { deploymentId: first.id, trigger: { kind: 'webhook', registry: 'dockerhub', repository: 'acme/app' } } });
  });

  it('reports deployments found interrupted by recovery', async () => {
    const id = await channel();
    const d = await repo.save(
      repo.create({ scriptId: script.id, userId: 1, serviceName: 'app', action: 'create', trigger: 'manual', status: 'running', createdAt: new Date(), startedAt: new Date(), lineCount: 0 }),
    );
    await recovery.recover();
    const [m] = await messages(id);
    expect(m).toMatchObject({ event: 'interrupted', notice: { deploymentId: d.id, errorCode: 50012 } });
  });

  describe('when the database restarts or another instance recovers the run meanwhile', () => {
    const connectionLost = () => Object.assign(new Error('Connection lost: The server closed the connection.'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true });

    /** The next transaction commits, but its answer is lost with the connection (a restart at the wrong moment). */
    function loseAnswerOfNextTransaction(): jest.SpyInstance {
      const real = ds.manager.transaction.bind(ds.manager) as (...args: unknown[]) => Promise<unknown>;
      return jest.spyOn(ds.manager, 'transaction').mockImplementationOnce((async (...args: unknown[]) => {
        await real(...args);
        throw connectionLost();
      }) as never);
    }

    /** What recovery on another instance does to a running row it takes for orphaned. */
    async function recoveredElsewhere(d: Deployment): Promise<void> {
      const interrupted = { status: 'interrupted' as const, error: 'the instance running this deployment stopped', errorCode: 50012, finishedAt: new Date() };
      await ds.manager.transaction(async (tx) => {
        await tx.update(Deployment, { id: d.id, status: 'running' }, interrupted);
        await testNotices().record(tx, Object.assign(await tx.findOneByOrFail(Deployment, { id: d.id }), interrupted));
      });
    }

    it('claims once when the answer to the claim was lost: the retry finds the row its own', async () => {
      const id = await channel({ events: ['started', 'succeeded'] });
      const transaction = loseAnswerOfNextTransaction(); // the next transaction is the claim
      const d = await intake.request({ script, userId: 1, action: 'update', trigger: 'manual', repository: 'acme/app', tag: '2', services: ['web'] });
      runner.kick();
      await expect(waits.wait(d.id, 10_000)).resolves.toMatchObject({ status: 'succeeded' });
      expect(transaction).toHaveBeenCalledTimes(3); // the claim, its retry, the final record
      expect((await messages(id)).map((m) => m.event)).toEqual(['started', 'succeeded']);
    });

    it('records the outcome once when the answer to the record was lost', async () => {
      const id = await channel();
      let transaction: jest.SpyInstance | undefined;
      during = async () => void (transaction = loseAnswerOfNextTransaction()); // the next transaction is the final record
      const d = await deploy(script, ROLLED_BACK);
      expect(d.status).toBe('rolled_back');
      expect(transaction).toHaveBeenCalledTimes(2);
      expect((await messages(id)).map((m) => m.event)).toEqual(['rolled_back']);
    });

    it('records the true outcome over an interrupted that recovery elsewhere wrote meanwhile, and tells the channel once more', async () => {
      const id = await channel();
      during = recoveredElsewhere;
      const d = await deploy();
      await expect(repo.findOneByOrFail({ id: d.id })).resolves.toMatchObject({ status: 'succeeded', error: null, errorCode: null });
      expect((await messages(id)).map((m) => m.event)).toEqual(['interrupted', 'succeeded']);
    });

    it('sends no second interrupted when its own outcome is interrupted too, keeping its own reason', async () => {
      const id = await channel();
      during = recoveredElsewhere;
      const d = await deploy(script, { status: 'interrupted', error: 'lost the stack lock (database unreachable): stopped', errorCode: 50012 });
      await expect(repo.findOneByOrFail({ id: d.id })).resolves.toMatchObject({ status: 'interrupted', error: 'lost the stack lock (database unreachable): stopped' });
      expect((await messages(id)).map((m) => m.event)).toEqual(['interrupted']);
    });
  });

  it('maps states to events', () => {
    const cases: [Deployment['status'], number | null, NotificationEvent | null][] = [
      ['queued', null, null],
      ['running', null, 'started'],
      ['succeeded', null, 'succeeded'],
      ['failed', 50010, 'failed'],
      ['failed', 50014, 'timed_out'],
      ['rolled_back', 50011, 'rolled_back'],
      ['interrupted', 50012, 'interrupted'],
      ['superseded', 40921, 'superseded'],
    ];
    for (const [status, errorCode, event] of cases) expect(eventOf({ status, errorCode })).toBe(event);
  });
});
