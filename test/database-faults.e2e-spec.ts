/**
 * Two replicas on one MariaDB database when the database or the network fails during a rollout. Replica
 * P reaches MariaDB through a TCP proxy (test/support/db-proxy.ts) that can drop every connection at
 * once (a database restart, as the client sees it) or swallow all traffic without closing anything (a
 * node powered off or cut from the network, as the server sees it). Replica Q is connected directly.
 *
 * P's docker is the real CLI behind a gate: `docker service update` rolls the service for real, then
 * waits while the gate file exists, so a test decides how long P's deployment runs. Both replicas use a
 * 12 s stack lock lease (STACK_LOCK_LEASE_SECONDS). MariaDB pass only (see test/jest-e2e.config.js).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection, createConnection } from 'mysql2/promise';
import { AppProcess, compileApp, startAppProcess } from './support/app-process';
import { createTestDatabase, e2eDatabase } from './support/databases';
import { DbProxy } from './support/db-proxy';
import { HttpReceiver } from './support/notification-receiver';
import { until } from './support/packaging';
import { ALIYUN_HOST, aliyunPush as aliyunPushFor, haloCompose, specImage } from './support/rollouts';
import { GOOD_PASSWORD, uniqueName } from './support/test-app';
import { assertSwarm, docker, ensureTestImage, removeStacks } from './support/test-images';

const PREFIX = `df${randomBytes(3).toString('hex')}`;
const NAMESPACE = `${PREFIX}ns`;
const REPO = `${ALIYUN_HOST}/${NAMESPACE}/halo`;
const TAGS = ['v0', 'restart-1', 'vanish-1', 'after-1'];
const LEASE_SECONDS = 12;
/** DeploymentRunner's recovery interval. */
const RECOVERY_SECONDS = 30;

const aliyunPush = (tag: string) => aliyunPushFor(NAMESPACE, tag);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Row {
  id: number;
  tag: string | null;
  status: string;
  error: string | null;
  error_code: number | null;
}

describe('two replicas on one MariaDB database, when the database or the network fails', () => {
  let build: ReturnType<typeof compileApp> | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;
  let db: Connection | undefined;
  const proxy = new DbProxy();
  const receiver = new HttpReceiver();
  let p: AppProcess;
  let q: AppProcess;
  let dir: string;
  let gate: string;
  let token: string;
  let script: { id: number; path: string; webhookToken: string; stack: string; service: string };

  const rows = async (): Promise<Row[]> => {
    const [result] = await db!.query('SELECT id, tag, status, error, error_code FROM deployments WHERE service_name = ? ORDER BY id', [script.stack]);
    return result as Row[];
  };
  const row = async (id: number) => (await rows()).find((r) => r.id === id)!;
  const push = (app: AppProcess, tag: string) => app.request('POST', `${script.path}?token=${script.webhookToken}`, { body: aliyunPush(tag) });
  /** The channel's messages about deployment `id`, as events in order of arrival. */
  const events = (id: number) => receiver.to('/all').filter((r) => JSON.parse(r.body).deployment.deploymentId === id).map((r) => r.headers['x-dds-event']);
  const updateState = () => docker('service', 'inspect', '--format', '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}', script.service).trim();

  /**
   * P runs an update to `tag` and holds it open at the gate once the swarm finished rolling (Q is stopped
   * meanwhile, SIGSTOP, so that P claims it). Returns the deployment's id.
   */
  async function holdUpdateOnP(tag: string): Promise<number> {
    writeFileSync(gate, '');
    process.kill(q.pid, 'SIGSTOP');
    let id: number;
    try {
      const res = await push(p, tag);
      expect([res.status, res.body.data?.status]).toEqual([202, expect.stringMatching(/^(queued|running)$/)]);
      id = res.body.data.deploymentId;
      await until(`deployment ${id} to run`, async () => ((await row(id)).status === 'running' ? true : undefined), 15_000);
    } finally {
      process.kill(q.pid, 'SIGCONT');
    }
    await until(`${script.service} to roll to ${tag}`, () => (specImage(script.service) === `${REPO}:${tag}` && updateState() === 'completed' ? true : undefined));
    return id;
  }

  beforeAll(async () => {
    if (e2eDatabase() !== 'mariadb') throw new Error('database-faults.e2e-spec.ts needs E2E_DB=mariadb: the replicas share one MySQL database');
    assertSwarm();
    for (const tag of TAGS) ensureTestImage(`${REPO}:${tag}`);
    build = compileApp();
    const created = await createTestDatabase();
    dropDatabase = created.drop;
    const url = new URL(created.url);
    db = await createConnection({ host: url.hostname, port: Number(url.port || 3306), user: url.username, password: url.password, database: url.pathname.slice(1) });
    await proxy.start();
    const viaProxy = new URL(created.url);
    viaProxy.port = String(proxy.port);

    dir = mkdtempSync(join(tmpdir(), 'dds-faults-'));
    gate = join(dir, 'gate');
    const gatedDocker = join(dir, 'docker');
    writeFileSync(
      gatedDocker,
      `#!/bin/sh\ndocker "$@"\nrc=$?\nif [ "$1" = service ] && [ "$2" = update ]; then\n  while [ -e '${gate}' ]; do sleep 0.1; done\nfi\nexit $rc\n`,
    );
    chmodSync(gatedDocker, 0o755);

    const shared = {
      JWT_SECRET: `faults-${randomBytes(24).toString('hex')}`,
      SECRETS_KEY: randomBytes(32).toString('hex'),
      REGISTRATION: 'open',
      STACK_LOCK_LEASE_SECONDS: String(LEASE_SECONDS),
      DEPLOY_TIMEOUT_SECONDS: '300',
      SHUTDOWN_GRACE_SECONDS: '5',
      NOTIFICATION_PRIVATE_TARGETS: 'all',
      NOTIFICATION_RETRY_SECONDS: '1',
    };
    const started = await Promise.allSettled([
      startAppProcess('replica-p', build.mainJs, { ...shared, DATABASE_URL: viaProxy.toString(), DOCKER_BIN: gatedDocker, WEBHOOK_WAIT_SECONDS: '0' }),
      startAppProcess('replica-q', build.mainJs, { ...shared, DATABASE_URL: created.url, WEBHOOK_WAIT_SECONDS: '60' }),
    ]);
    [p, q] = started.map((s) => (s.status === 'fulfilled' ? s.value : undefined!));
    for (const s of started) if (s.status === 'rejected') throw s.reason;

    const username = uniqueName('df');
    const reg = await q.request('POST', '/web/user/login/registered', { body: { username, password: GOOD_PASSWORD, name: username, phone: '15159845510' } });
    expect(reg.body.code).toBe(0);
    token = (await q.request('POST', '/web/user/login', { body: { username, password: GOOD_PASSWORD } })).body.data.authorization;
    await receiver.start();
    const channel = await q.request('POST', '/web/user/channels', {
      token,
      body: { name: 'all', type: 'webhook', url: `${receiver.origin}/all`, isDefault: true, events: ['started', 'succeeded', 'failed', 'rolled_back', 'timed_out', 'interrupted', 'superseded'] },
    });
    expect(channel.body.code).toBe(0);
    const stack = `${PREFIX}st`;
    const saved = await q.request('POST', '/web/user/script', { token, body: { serviceName: stack, dockerComposeContent: haloCompose(`${REPO}:v0`), isAutoUpdate: 1 } });
    expect(saved.body.code).toBe(0);
    const hook = new URL(saved.body.data.autoUpdateUrl);
    script = { id: saved.body.data.id, path: hook.pathname, webhookToken: hook.searchParams.get('token')!, stack, service: `${stack}_halo` };
    const deployed = await q.request('PUT', `/web/user/script/${script.id}/createService`, { token });
    expect(deployed.body.code).toBe(0);
  }, 300_000);

  afterAll(async () => {
    proxy.restore();
    if (gate) rmSync(gate, { force: true });
    await Promise.all([p?.stop(), q?.stop()]);
    try {
      await receiver.stop();
      await proxy.close();
      await db?.end();
      removeStacks(PREFIX);
      for (const tag of TAGS) spawnSync('docker', ['image', 'rm', `${REPO}:${tag}`], { stdio: 'ignore' });
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
      await dropDatabase?.();
      build?.remove();
    }
  }, 120_000);

  it('a database restart during a rollout: the replica takes its lock again and records the real outcome, once', async () => {
    const id = await holdUpdateOnP('restart-1');

    // Every connection dropped while docker runs: the lock connection too, so the server lets the lock go.
    proxy.cut();
    await sleep(3000);
    proxy.restore();
    await until('P to take the stack lock again', () => (p.fullOutput().includes(`took the lock of stack ${script.stack} again`) ? true : undefined), 20_000);

    // Dropped again just as docker finishes: the outcome is recorded once the database answers.
    proxy.cut();
    rmSync(gate);
    await until('P to try to record the outcome', () => (p.fullOutput().includes(`recording deployment ${id} (succeeded): the database is unreachable`) ? true : undefined), 20_000);
    await sleep(2000);
    proxy.restore();

    await until(`deployment ${id} to be recorded`, async () => ((await row(id)).status !== 'running' ? true : undefined), 30_000);
    const mine = (await rows()).filter((r) => r.tag === 'restart-1');
    expect(mine.map((r) => [r.id, r.status, r.error_code])).toEqual([[id, 'succeeded', null]]);
    expect(specImage(script.service)).toBe(`${REPO}:restart-1`);
    expect(p.fullOutput()).not.toMatch(/lost the lock of stack/);
    // The channel heard it start and succeed, once each.
    await until('the notifications', () => (events(id).length >= 2 ? true : undefined), 30_000);
    await sleep(2000);
    expect(events(id)).toEqual(['started', 'succeeded']);
  }, 180_000);

  it('a replica whose node vanishes mid-rollout: the other marks it interrupted within lease + recovery and deploys again', async () => {
    const id = await holdUpdateOnP('vanish-1');

    // P's node goes dark: nothing reaches MariaDB from it and nothing comes back; no connection closes.
    proxy.blackHole();
    const vanished = Date.now();
    await until(`deployment ${id} to be marked interrupted`, async () => ((await row(id)).status === 'interrupted' ? true : undefined), (LEASE_SECONDS + RECOVERY_SECONDS + 30) * 1000);
    const after = (Date.now() - vanished) / 1000;
    expect(after).toBeGreaterThanOrEqual(LEASE_SECONDS - LEASE_SECONDS / 3 - 1); // not before the lease could have ended
    expect(after).toBeLessThanOrEqual(LEASE_SECONDS + RECOVERY_SECONDS + 5);
    expect(await row(id)).toMatchObject({ error_code: 50012, error: expect.stringMatching(/^the instance running this deployment stopped, or lost the database/) });

    // The stack is free: Q deploys it again while P is still dark.
    const again = await push(q, 'after-1');
    expect([again.status, again.body.code]).toEqual([200, 0]);
    expect(specImage(script.service)).toBe(`${REPO}:after-1`);
    // P stopped its docker when it could not renew its lease (before anyone could take the stack over).
    expect(p.fullOutput()).toContain(`lost the lock of stack ${script.stack} (database unreachable`);

    // P's network comes back: its own record of the run lands, still interrupted, without a second message.
    proxy.restore();
    await until(`P's record of deployment ${id}`, async () => ((await row(id)).error?.startsWith('lost the stack lock') ? true : undefined), 60_000);
    expect(await row(id)).toMatchObject({ status: 'interrupted', error_code: 50012, error: expect.stringMatching(/^lost the stack lock \(database unreachable\)/) });
    expect(specImage(script.service)).toBe(`${REPO}:after-1`);
    const finished = (await rows()).filter((r) => ['vanish-1', 'after-1'].includes(r.tag ?? ''));
    expect(finished.map((r) => [r.tag, r.status])).toEqual([
      ['vanish-1', 'interrupted'],
      ['after-1', 'succeeded'],
    ]);
    await until('the notifications', () => (events(id).length >= 2 ? true : undefined), 30_000);
    await sleep(3000);
    expect(events(id)).toEqual(['started', 'interrupted']);
  }, 240_000);
});
