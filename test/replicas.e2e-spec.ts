/**
 * Two replicas of the service on one MariaDB database behave as one service: sessions, refresh-token
 * rotation, login rate limits, per-stack serialisation of deployments and webhook de-duplication hold
 * across them.
 *
 * Each instance is its own OS process (the compiled dist, `node .../src/main.js`): passport keeps a
 * process-wide strategy registry, so two Nest apps in this jest process would share token checking and
 * a cross-instance session test would prove nothing. MariaDB pass only (see test/jest-e2e.config.js).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { AppProcess, compileApp, startAppProcess } from './support/app-process';
import { createTestDatabase, e2eDatabase } from './support/databases';
import { HttpReceiver } from './support/notification-receiver';
import { until } from './support/packaging';
import { ALIYUN_HOST, aliyunPush as aliyunPushFor, Deployment, FINISHED,  haloCompose, specImage } from './support/rollouts';
import { GOOD_PASSWORD, uniqueName } from './support/test-app';
import { assertSwarm, docker, ensureTestImage, removeStacks } from './support/test-images';

const PREFIX = `rp${randomBytes(3).toString('hex')}`;
const NAMESPACE = `${PREFIX}ns`;
const REPO = `${ALIYUN_HOST}/${NAMESPACE}/halo`;
const TAGS = ['v0', 'same-1', 'burst-1', 'burst-2', 'burst-3', 'burst-4', 'burst-5'];

const aliyunPush = (tag: string) => aliyunPushFor(NAMESPACE, tag);

describe('two replicas on one MariaDB database', () => {
  let build: ReturnType<typeof compileApp> | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;
  let a: AppProcess;
  let b: AppProcess;
  /** The environment both replicas share. */
  let shared: Record<string, string>;

  beforeAll(async () => {
    if (e2eDatabase() !== 'mariadb') throw new Error('replicas.e2e-spec.ts needs E2E_DB=mariadb: the replicas share one MySQL database');
    assertSwarm();
    for (const tag of TAGS) ensureTestImage(`${REPO}:${tag}`);
    build = compileApp();
    const db = await createTestDatabase();
    dropDatabase = db.drop;
    shared = {
      DATABASE_URL: db.url,
      JWT_SECRET: `replicas-${randomBytes(24).toString('hex')}`,
      // Replicas share one key, as the stack files give them (each would otherwise generate its own).
      SECRETS_KEY: randomBytes(32).toString('hex'),
      REGISTRATION: 'open',
      LOG_LEVEL: 'warn',
      AUTH_RATE_LIMIT_PER_ADDRESS: '100000',
      AUTH_RATE_LIMIT_PER_USERNAME: '100000',
      DEPLOY_TIMEOUT_SECONDS: '120',
      SHUTDOWN_GRACE_SECONDS: '5',
      // The notification receiver runs on 127.0.0.1 and the channel belongs to a USER.
      NOTIFICATION_PRIVATE_TARGETS: 'all',
      NOTIFICATION_RETRY_SECONDS: '1',
    };
    // Started together on the empty database, as a swarm starts replicas: the migrations run once,
    // under a database lock, and neither start-up fails or retries (asserted below).
    // A answers webhooks at once (202); B waits for the rollout, wherever it runs, for up to 45 s.
    const started = await Promise.allSettled([
      startAppProcess('replica-a', build.mainJs, { ...shared, WEBHOOK_WAIT_SECONDS: '0' }),
      startAppProcess('replica-b', build.mainJs, { ...shared, WEBHOOK_WAIT_SECONDS: '45' }),
    ]);
    [a, b] = started.map((s) => (s.status === 'fulfilled' ? s.value : undefined!)); // afterAll stops what started
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    for (const replica of [a, b]) expect(replica.output()).not.toMatch(/already exists|Unable to connect to the database/);
  }, 240_000);

  afterAll(async () => {
    // Stop the replicas first (SIGTERM, then wait for their exit), so nothing deploys after the clean-up.
    await Promise.all([a?.stop(), b?.stop()]);
    try {
      removeStacks(PREFIX);
      for (const tag of TAGS) spawnSync('docker', ['image', 'rm', `${REPO}:${tag}`], { stdio: 'ignore' });
    } finally {
      await dropDatabase?.();
      build?.remove();
    }
  }, 120_000);

  async function login(app: AppProcess, username: string) {
    const res = await app.request('POST', '/web/user/login', { body: { username, password: GOOD_PASSWORD } });
    expect(res.body.code).toBe(0);
    return res.body.data as { id: number; authorization: string; refreshToken: string };
  }

  async function registerAt(app: AppProcess): Promise<string> {
    const username = uniqueName('rp');
    const reg = await app.request('POST', '/web/user/login/registered', { body: { username, password: GOOD_PASSWORD, name: username, phone: '15159845510' } });
    expect(reg.body).toMatchObject({ code: 0, data: { username, isDisable: 0 } });
    return username;
  }

  const me = (app: AppProcess, token: string) => app.request('GET', '/web/user/me', { token });
  const refresh = (app: AppProcess, refreshToken: string) => app.request('POST', '/web/user/login/refresh', { body: { refreshToken } });

  it('ends a disabled user’s login on the very next request at either instance', async () => {
    // The first user on the database is its ADMIN: this test runs first.
    const admin = await login(a, await registerAt(a));
    const session = await login(b, await registerAt(b));
    expect((await me(a, session.authorization)).body.code).toBe(0);

    const off = await a.request('PUT', `/web/admin/users/${session.id}/disable`, { token: admin.authorization, body: { isDisable: 1 } });
    expect([off.status, off.body.data?.isDisable]).toEqual([200, 1]);
    for (const app of [b, a]) {
      const refused = await me(app, session.authorization);
      expect([app.name, refused.status, refused.body.code]).toEqual([app.name, 401, 40100]);
    }
    expect((await refresh(b, session.refreshToken)).status).toBe(401);
  });

  it('shares sessions: a login at A works at B, and a logout at B ends it at A', async () => {
    const username = await registerAt(a);
    const session = await login(a, username);

    const atB = await me(b, session.authorization);
    expect([atB.status, atB.body.code, atB.body.data?.username]).toEqual([200, 0, username]);
    const atA = await me(a, session.authorization);
    expect([atA.status, atA.body.code]).toEqual([200, 0]);

    const out = await b.request('POST', '/web/user/logout', { token: session.authorization });
    expect([out.status, out.body.code]).toEqual([200, 0]);

    for (const app of [a, b]) {
      const refused = await me(app, session.authorization);
      expect([app.name, refused.status, refused.body.code]).toEqual([app.name, 401, 40100]);
    }
    // The logout ended the refresh token too, at either instance.
    const spent = await refresh(a, session.refreshToken);
    expect([spent.status, spent.body.code]).toEqual([401, 40102]);
  });

  it('rotates a refresh token once across both instances; the reuse revokes the whole login', async () => {
    const username = await registerAt(b);
    const session = await login(b, username);

    const answers = await Promise.all([a, b, a, b, a, b].map((app) => refresh(app, session.refreshToken)));
    const winners = answers.filter((r) => r.body.code === 0);
    expect(winners).toHaveLength(1);
    const losers = answers.filter((r) => r.body.code !== 0);
    for (const r of losers) {
      expect(r.status).toBe(401);
      expect([40102, 40103]).toContain(r.body.code);
    }
    // Whoever first saw the spent token revoked the session (40103); later ones find it revoked (40102).
    expect(losers.filter((r) => r.body.code === 40103).length).toBeGreaterThanOrEqual(1);

    const issued = winners[0].body.data as { authorization: string; refreshToken: string };
    expect(issued.refreshToken).not.toBe(session.refreshToken);
    for (const app of [a, b]) {
      // The one new refresh token belongs to the revoked family: refused, and it revokes nothing more.
      const next = await refresh(app, issued.refreshToken);
      expect([app.name, next.status, next.body.code]).toEqual([app.name, 401, 40102]);
      // Every access token of the login stops working as well.
      for (const token of [issued.authorization, session.authorization]) {
        const res = await me(app, token);
        expect([app.name, res.status, res.body.code]).toEqual([app.name, 401, 40100]);
      }
    }

    // A fresh login of the same user is unaffected.
    const again = await login(a, username);
    expect((await me(b, again.authorization)).body.code).toBe(0);
  });

  describe('login rate limits, counted once for both', () => {
    // Two more replicas on the database, with low limits. TRUST_PROXY: each request names its own client
    // address in X-Forwarded-For (only a header: every request goes to 127.0.0.1).
    const WINDOW_SECONDS = 5;
    let c: AppProcess;
    let d: AppProcess;
    let addresses = 0;
    const nextAddress = () => `203.0.113.${++addresses}`; // TEST-NET-3, RFC 5737
    const attempt = (app: AppProcess, username: string, from = nextAddress()) =>
      app.request('POST', '/web/user/login', { body: { username, password: 'wrong-password' }, headers: { 'x-forwarded-for': from } });
    const retryAfter = (res: { headers: Headers }) => Number(res.headers.get('retry-after'));

    beforeAll(async () => {
      const limited = {
        ...shared,
        AUTH_RATE_LIMIT_PER_USERNAME: '3',
        AUTH_RATE_LIMIT_PER_ADDRESS: '6',
        AUTH_RATE_LIMIT_WINDOW_SECONDS: String(WINDOW_SECONDS),
        TRUST_PROXY: 'true',
        // Cheap password checks, so a test's attempts fit well inside one window.
        PASSWORD_SCRYPT_LOG_N: '10',
      };
      const started = await Promise.allSettled([startAppProcess('limits-c', build!.mainJs, limited), startAppProcess('limits-d', build!.mainJs, limited)]);
      [c, d] = started.map((s) => (s.status === 'fulfilled' ? s.value : undefined!));
      for (const s of started) if (s.status === 'rejected') throw s.reason;
    }, 120_000);

    afterAll(() => Promise.all([c?.stop(), d?.stop()]), 60_000);

    it('holds the per-username limit (3) over both: two failures at C, then the second at D is refused', async () => {
      const username = uniqueName('rl');
      const answers = [];
      for (const app of [c, c, d, d]) answers.push(await attempt(app, username)); // each from another address
      expect(answers.map((r) => [r.status, r.body.code])).toEqual([[401, 40101], [401, 40101], [401, 40101], [429, 42900]]);
      const wait = retryAfter(answers[3]);
      expect(wait).toBeGreaterThanOrEqual(1);
      expect(wait).toBeLessThanOrEqual(WINDOW_SECONDS);
      expect(answers[3].headers.get('retry-after-username')).toBe(String(wait));

      // Refused at C as well until Retry-After has passed; then the count starts over.
      expect((await attempt(c, username)).status).toBe(429);
      await new Promise((r) => setTimeout(r, wait * 1000));
      expect((await attempt(c, username)).status).toBe(401);
    });

    it('holds the per-address limit (6) over both: five failures at C, then the second at D is refused', async () => {
      const from = nextAddress();
      const answers = [];
      for (const app of [c, c, c, c, c, d, d]) answers.push(await attempt(app, uniqueName('rl'), from));
      expect(answers.map((r) => r.status)).toEqual([401, 401, 401, 401, 401, 401, 429]);
      expect(retryAfter(answers[6])).toBeGreaterThanOrEqual(1);
      expect(retryAfter(answers[6])).toBeLessThanOrEqual(WINDOW_SECONDS);
      expect(answers[6].headers.get('retry-after-address')).toBe(answers[6].headers.get('retry-after'));
    });

    it('lets exactly 3 of 8 simultaneous attempts on one username through, spread over both', async () => {
      const username = uniqueName('rl');
      const answers = await Promise.all([c, d, c, d, c, d, c, d].map((app) => attempt(app, username)));
      expect(answers.map((r) => r.status).sort()).toEqual([401, 401, 401, 429, 429, 429, 429, 429]);
    });
  });

  describe('webhooks at both instances, one stack', () => {
    let token: string;
    let script: { id: number; path: string; webhookToken: string; swarmService: string };
    const receiver = new HttpReceiver();

    const deployments = async (): Promise<Deployment[]> => {
      const res = await a.request('GET', `/web/user/script/${script.id}/deployments?pageSize=200`, { token });
      expect(res.body.code).toBe(0);
      return res.body.data.content;
    };
    const push = (app: AppProcess, body: unknown) => app.request('POST', `${script.path}?token=${script.webhookToken}`, { body });
    const allFinished = async () => {
      const rows = await deployments();
      return rows.every((d) => FINISHED.includes(d.status)) ? rows : undefined;
    };

    afterAll(() => receiver.stop());

    beforeAll(async () => {
      const username = await registerAt(a);
      token = (await login(b, username)).authorization;
      // Every event of every deployment of this user's stacks goes to one receiver (asserted at the end).
      await receiver.start();
      const channel = await a.request('POST', '/web/user/channels', {
        token,
        body: { name: 'all', type: 'webhook', url: `${receiver.origin}/all`, isDefault: true, events: ['started', 'succeeded', 'failed', 'rolled_back', 'timed_out', 'interrupted', 'superseded'] },
      });
      expect(channel.body.code).toBe(0);
      const serviceName = `${PREFIX}st`;
      const created = await b.request('POST', '/web/user/script', { token, body: { serviceName, dockerComposeContent: haloCompose(`${REPO}:v0`), isAutoUpdate: 1 } });
      expect(created.body.code).toBe(0);
      const url = new URL(created.body.data.autoUpdateUrl);
      script = { id: created.body.data.id, path: url.pathname, webhookToken: url.searchParams.get('token')!, swarmService: `${serviceName}_halo` };
      const deployed = await a.request('PUT', `/web/user/script/${script.id}/createService`, { token });
      expect(deployed.body.code).toBe(0);
      expect(specImage(script.swarmService)).toBe(`${REPO}:v0`);
    }, 120_000);

    it('starts one deployment for the same push fired concurrently at A and B', async () => {
      const before = (await deployments()).length;
      const body = aliyunPush('same-1');
      const answers = await Promise.all([a, b, a, b, a, b, a, b].map((app) => push(app, body).then((res) => ({ app: app.name, res }))));

      const rows = await until('the push to finish', allFinished, 90_000);
      const forTag = rows.filter((d) => d.action === 'update' && d.tag === 'same-1');
      expect(forTag.map((d) => [d.trigger, d.digest, d.status])).toEqual([['webhook', body.push_data.digest, 'succeeded']]);
      expect(rows).toHaveLength(before + 1);
      const [only] = forTag;
      const detail = await b.request('GET', `/web/user/deployments/${only.id}`, { token });
      expect(detail.body.data.output).toEqual(expect.arrayContaining([expect.stringMatching(/converged/)]));

      for (const { app, res } of answers) {
        if (app === a.name) {
          // WEBHOOK_WAIT_SECONDS=0: the deployment it queued or joined.
          expect([app, res.status, res.body.data]).toEqual([app, 202, { deploymentId: only.id, status: expect.stringMatching(/^(queued|running)$/) }]);
        } else {
          // B waited for that same deployment (run by either instance) and answers with its output.
          expect([app, res.status, res.body.code, res.body.data]).toEqual([app, 200, 0, detail.body.data.output]);
        }
      }
      expect(specImage(script.swarmService)).toBe(`${REPO}:same-1`);
    });

    it('ends a burst of five tags alternated between A and B on the last tag, one rollout at a time', async () => {
      const before = new Set((await deployments()).map((d) => d.id));
      const tags = ['burst-1', 'burst-2', 'burst-3', 'burst-4', 'burst-5'];
      const answers: Promise<{ app: string; tag: string; status: number; code: number }>[] = [];
      for (const [i, tag] of tags.entries()) {
        const app = i % 2 ? b : a;
        answers.push(push(app, aliyunPush(tag)).then((res) => ({ app: app.name, tag, status: res.status, code: res.body.code })));
        // Next push once this one is recorded, so "the last tag" is well defined (B's answer comes later).
        await until(`the ${tag} deployment to be recorded`, async () => ((await deployments()).some((d) => d.tag === tag) ? true : undefined), 15_000);
      }

      await until(`${script.swarmService} to run burst-5`, () => (specImage(script.swarmService) === `${REPO}:burst-5` ? true : undefined), 90_000);
      const rows = await until('the burst to finish', allFinished, 90_000);
      const burst = rows.filter((d) => !before.has(d.id));
      expect(burst.map((d) => [d.action, d.trigger, d.tag]).reverse()).toEqual(tags.map((tag) => ['update', 'webhook', tag]));
      const ran = burst.filter((d) => d.startedAt !== null);
      const superseded = burst.filter((d) => d.status === 'superseded');
      expect(ran.length).toBeGreaterThanOrEqual(1);
      expect(ran.length).toBeLessThanOrEqual(2);
      expect(ran.length + superseded.length).toBe(5);
      for (const d of superseded) expect([d.tag, d.startedAt]).toEqual([d.tag, null]);
      expect(burst[0]).toMatchObject({ tag: 'burst-5', status: 'succeeded' });
      expect(ran.every((d) => d.status === 'succeeded')).toBe(true);

      // Never two operations of the stack at once, across both instances (create and updates alike).
      const timeline = rows
        .filter((d) => d.startedAt !== null)
        .map((d) => ({ id: d.id, tag: d.tag, start: Date.parse(d.startedAt!), end: Date.parse(d.finishedAt!) }))
        .sort((x, y) => x.start - y.start);
      expect(timeline.length).toBeGreaterThanOrEqual(2 + ran.length); // create, same-1 and the burst
      const overlaps = timeline.slice(1).map((d, i) => ({ ...d, previous: timeline[i] })).filter((d) => d.start < d.previous.end);
      expect(overlaps).toEqual([]);

      const settled = await Promise.all(answers);
      for (const r of settled) {
        const row = burst.find((d) => d.tag === r.tag)!;
        if (r.app === a.name) expect([r.tag, r.status, r.code]).toEqual([r.tag, 202, 0]);
        else if (row.status === 'superseded') expect([r.tag, r.status, r.code]).toEqual([r.tag, 409, 40921]);
        else expect([r.tag, r.status, r.code]).toEqual([r.tag, 200, 0]);
      }
    });

    it('tells the channel about every deployment exactly once, whichever replica ran or superseded it', async () => {
      const rows = await until('every deployment to finish', allFinished, 90_000);
      const expected = rows.flatMap((d) => (d.status === 'superseded' ? [`${d.id} superseded`] : [`${d.id} started`, `${d.id} ${d.status}`])).sort();
      const received = () => receiver.to('/all').map((r) => `${JSON.parse(r.body).deployment.deploymentId} ${r.headers['x-dds-event']}`).sort();
      await until('every message to arrive', () => (received().length >= expected.length ? true : undefined), 30_000);
      await new Promise((r) => setTimeout(r, 3000)); // and nothing more after that
      expect(received()).toEqual(expected);
      expect(new Set(receiver.to('/all').map((r) => r.headers['x-dds-delivery'])).size).toBe(expected.length);
    });
  });
});
