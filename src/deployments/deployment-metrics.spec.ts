import { DataSource, Repository } from 'typeorm';
import { loadDockerConfig } from '../config/docker.config';
import { dataSourceOptions } from '../database/data-source-options';
import { MetricsService } from '../metrics/metrics.service';
import { Script } from '../scripts/entities/script.entity';
import { DeploymentExecutor, ExecutionResult } from './deployment-executor';
import { DeploymentEvents, DeploymentsSuperseded } from './deployment-events';
import { DeploymentMetrics } from './deployment-metrics';
import { NOTIFICATION_TEST_ENTITIES, testNotices } from './deployment-notices.testing';
import { DeploymentRecovery } from './deployment-recovery';
import { DeploymentRunner } from './deployment-runner';
import { Deployment } from './entities/deployment.entity';
import { StackLocks } from './stack-locks';

async function until(cond: () => Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('DeploymentMetrics (SQLite, fake docker)', () => {
  let ds: DataSource;
  let repo: Repository<Deployment>;
  let runner: DeploymentRunner;
  let recovery: DeploymentRecovery;
  let events: DeploymentEvents;
  let metrics: MetricsService;
  let result: ExecutionResult;

  const row = (serviceName: string, over: Partial<Deployment> = {}): Partial<Deployment> => ({
    userId: 1,
    scriptId: null,
    serviceName,
    action: 'update',
    trigger: 'webhook',
    status: 'queued',
    lineCount: 0,
    createdAt: new Date(),
    ...over,
  });

  beforeEach(async () => {
    ds = new DataSource({ ...dataSourceOptions({ type: 'sqlite', path: ':memory:' }), entities: [Deployment, Script, ...NOTIFICATION_TEST_ENTITIES] });
    await ds.initialize();
    await ds.runMigrations();
    await ds.query("INSERT INTO users (username, password_hash, name, phone, role) VALUES ('u', 'x', 'u', '123456', 'ADMIN')");
    repo = ds.getRepository(Deployment);
    result = { status: 'succeeded' };
    const executor = { execute: () => new Promise<ExecutionResult>((resolve) => setTimeout(() => resolve(result), 50)) };
    events = new DeploymentEvents();
    const locks = new StackLocks(ds, { type: 'sqlite', path: ':memory:' });
    const notices = testNotices();
    recovery = new DeploymentRecovery(repo, locks, notices, events);
    runner = new DeploymentRunner(repo, locks, executor as unknown as DeploymentExecutor, notices, recovery, events, loadDockerConfig({}), { graceSeconds: 0 });
    metrics = new MetricsService();
    new DeploymentMetrics(events, metrics, repo).onModuleInit();
  });

  afterEach(async () => {
    await runner.beforeApplicationShutdown();
    if (ds.isInitialized) await ds.destroy();
  });

  it('counts each run the runner finishes by action, trigger and status, with its duration', async () => {
    await runner.onApplicationBootstrap();
    result = { status: 'rolled_back', error: 'it broke', errorCode: 50011 };
    const { id } = await repo.save(repo.create(row('a')));
    runner.kick();
    await until(async () => (await repo.findOneByOrFail({ id })).status === 'rolled_back', 'the run');
    const done = await repo.findOneByOrFail({ id });
    const text = await metrics.render();
    expect(text).toContain('dds_deployments_total{action="update",trigger="webhook",status="rolled_back"} 1\n');
    expect(text).toContain('dds_deployment_duration_seconds_count{action="update",trigger="webhook",status="rolled_back"} 1\n');
    const sum = Number(/^dds_deployment_duration_seconds_sum\{action="update",trigger="webhook",status="rolled_back"\} (\S+)$/m.exec(text)?.[1]);
    expect(sum).toBeCloseTo((done.finishedAt!.getTime() - done.startedAt!.getTime()) / 1000, 3);
    expect(sum).toBeGreaterThanOrEqual(0.04);
  });

  it('counts rows recovery marks interrupted, without a duration (their end is when someone noticed)', async () => {
    const startedAt = new Date(Date.now() - 3_600_000);
    await repo.insert([
      row('a', { action: 'create', trigger: 'manual', status: 'running', startedAt }),
      row('b', { status: 'running', startedAt }),
      row('b', { status: 'succeeded', startedAt, finishedAt: new Date() }),
    ]);
    await recovery.recover();
    const text = await metrics.render();
    expect(text).toContain('dds_deployments_total{action="create",trigger="manual",status="interrupted"} 1\n');
    expect(text).toContain('dds_deployments_total{action="update",trigger="webhook",status="interrupted"} 1\n');
    expect(text).not.toContain('status="succeeded"');
    expect(text).not.toMatch(/^dds_deployment_duration_seconds_count\{/m);
    await recovery.recover();
    expect(await metrics.render()).toContain('dds_deployments_total{action="update",trigger="webhook",status="interrupted"} 1\n');
  });

  it('counts webhook updates a newer push superseded, without a duration (they never started)', async () => {
    events.emit(new DeploymentsSuperseded(3));
    const text = await metrics.render();
    expect(text).toContain('dds_deployments_total{action="update",trigger="webhook",status="superseded"} 3\n');
    expect(text).not.toMatch(/^dds_deployment_duration_seconds_count\{/m);
  });

  it('reads the queue depth from the table at each scrape, and NaN once the database is gone', async () => {
    await repo.insert([row('a'), row('a'), row('b'), row('c', { status: 'running', startedAt: new Date() })]);
    expect(await metrics.render()).toMatch(/^dds_deployment_queue_depth 3$/m);
    await repo.update({ serviceName: 'a' }, { status: 'superseded', finishedAt: new Date() });
    expect(await metrics.render()).toMatch(/^dds_deployment_queue_depth 1$/m);
    await ds.destroy();
    const text = await metrics.render();
    expect(text).toMatch(/^dds_deployment_queue_depth nan$/im);
    expect(text).toContain('# TYPE dds_deployments_total counter');
  });
});
