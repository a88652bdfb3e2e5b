/**
 * Notifications for real: channels of every type pointed at an HTTP receiver and an SMTP server that
 * this test starts on 127.0.0.1, real rollouts on the swarm, exactly one message per chosen event,
 * each vendor's signature checked the way the vendor checks it, retries after a 500 and after the
 * receiver was down across a restart of the app, and no secret in any answer, log line or table.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { AppProcess, compileApp, startAppProcess } from './support/app-process';
import { createTestDatabase, dumpDatabase } from './support/databases';
import { eventually } from './support/packaging';
import { answerJson, answerText, HttpReceiver, ReceivedRequest, selfSignedCertificate, SmtpReceiver, TestCertificate } from './support/notification-receiver';
import { haloCompose } from './support/rollouts';
import { registerAndLogin, uniqueName } from './support/test-app';
import { assertSwarm, ensureTestImage, removeStacks } from './support/test-images';

const PREFIX = `nt${randomBytes(3).toString('hex')}`;
const IMAGE = 'dds-e2e/notify';
const PUBLIC_BASE_URL = 'https://deploy.example.com';

// Every secret the channels hold: none may ever appear in an answer, a log line or a table.
const DING = { token: randomBytes(16).toString('hex'), secret: `SEC${randomBytes(16).toString('hex')}` };
const WECOM_KEY = randomUUID();
const FEISHU = { hook: randomUUID(), secret: randomBytes(12).toString('hex') };
const SLACK_PATH = `/services/T0DDS/B0DDS/${randomBytes(12).toString('hex')}`;
const WEBHOOK_SECRET = randomBytes(20).toString('hex');
const SMTP = { username: 'deploy@example.com', password: `smtp-${randomBytes(12).toString('hex')}` };
const SECRETS = [DING.token, DING.secret, WECOM_KEY, FEISHU.hook, FEISHU.secret, SLACK_PATH.split('/').pop()!, WEBHOOK_SECRET, SMTP.password];

const PATHS = {
  dingtalk: '/robot/send',
  wecom: '/cgi-bin/webhook/send',
  feishu: `/open-apis/bot/v2/hook/${FEISHU.hook}`,
  slack: SLACK_PATH,
  webhook: '/hooks/dds',
};

interface Login {
  role: string;
  authorization: string;
}

const hmacBase64 = (key: string, message: string) => createHmac('sha256', key).update(message).digest('base64');
const json = (r: ReceivedRequest) => JSON.parse(r.body) as Record<string, any>;

describe('notifications', () => {
  let build: ReturnType<typeof compileApp> | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;
  let databaseUrl: string;
  let app: AppProcess;
  /** Trusted by the app (NODE_EXTRA_CA_CERTS), as a public CA's certificate would be. */
  let certificate: TestCertificate;
  const outputs: string[] = [];
  const http = new HttpReceiver();
  const smtp = new SmtpReceiver();
  let admin: Login;
  let bob: Login;
  let scriptId: number;
  const channels: Record<string, number> = {};
  const seen: string[] = [];

  const ENV = () => ({
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'trace',
    JWT_SECRET: 'notifications-e2e-secret-notifications-e2e',
    SECRETS_KEY: 'ab'.repeat(32),
    REGISTRATION: 'open',
    AUTH_RATE_LIMIT_PER_ADDRESS: '100000',
    AUTH_RATE_LIMIT_PER_USERNAME: '100000',
    DEPLOY_TIMEOUT_SECONDS: '120',
    PUBLIC_BASE_URL,
    NOTIFICATION_RETRY_SECONDS: '1',
    NOTIFICATION_TIMEOUT_SECONDS: '3',
    NODE_EXTRA_CA_CERTS: certificate.certFile,
  });

  const call = async (who: Login | undefined, method: string, path: string, body?: unknown) => {
    const res = await app.request(method, path, { token: who?.authorization, body });
    seen.push(JSON.stringify(res.body));
    return res;
  };
  const register = (): Promise<Login> => registerAndLogin(app, uniqueName('nt'));
  async function saveScript(name: string): Promise<number> {
    const res = await call(admin, 'POST', '/web/user/script', { serviceName: `${PREFIX}-${name}`, dockerComposeContent: haloCompose(`${IMAGE}:v1`), isAutoUpdate: 1 });
    expect(res.body.code).toBe(0);
    return res.body.data.id;
  }
  async function deploy(id: number, path: string, body?: unknown): Promise<number> {
    const res = await call(admin, 'PUT', `/web/user/script/${id}/${path}`, body);
    const history = await call(admin, 'GET', `/web/user/script/${id}/deployments?pageSize=1`);
    expect({ code: res.body.code, status: history.body.data.content[0].status }).toEqual(expect.objectContaining({ status: expect.stringMatching(/succeeded|rolled_back|failed/) }));
    return history.body.data.content[0].id;
  }
  /** The messages a receiver path got about one deployment (they link to it). */
  const linksTo = (text: string, deploymentId: number) => new RegExp(`${PUBLIC_BASE_URL.replace(/\./g, '\\.')}/deployments/${deploymentId}(?!\\d)`).test(text);
  const about = (path: string, deploymentId: number) => http.to(path).filter((r) => linksTo(r.body, deploymentId));
  const mailsAbout = (deploymentId: number) => smtp.messages.filter((m) => linksTo(m.text ?? '', deploymentId));

  beforeAll(async () => {
    assertSwarm();
    certificate = selfSignedCertificate();
    for (const tag of ['v1', 'v2']) ensureTestImage(`${IMAGE}:${tag}`);
    ensureTestImage(`${IMAGE}:broken`, { broken: true });
    await http.start();
    // Each vendor's success answer (DingTalk and WeCom: the receiver's default errcode 0).
    http.answer(PATHS.feishu, answerJson({ code: 0, msg: 'success', data: {} }));
    http.answer(PATHS.slack, answerText('ok', 200));
    http.answer(PATHS.webhook, answerText('', 204));
    await smtp.start();
    build = compileApp();
    const db = await createTestDatabase();
    dropDatabase = db.drop;
    databaseUrl = db.url;
    app = await startAppProcess('notifications', build.mainJs, ENV());
    admin = await register();
    bob = await register();
    expect([admin.role, bob.role]).toEqual(['ADMIN', 'USER']);
    scriptId = await saveScript('app');
  }, 300_000);

  afterAll(async () => {
    removeStacks(PREFIX);
    outputs.push(app?.fullOutput() ?? '');
    await app?.stop();
    await http.stop();
    await smtp.stop();
    await dropDatabase?.();
    build?.remove();
  });

  it('saves a channel of every type, attached to a script, and never returns a token, secret or password', async () => {
    const specs = {
      dingtalk: { type: 'dingtalk', url: `${http.origin}${PATHS.dingtalk}?access_token=${DING.token}`, secret: DING.secret, events: ['started', 'succeeded', 'failed', 'rolled_back'] },
      wecom: { type: 'wecom', url: `${http.origin}${PATHS.wecom}?key=${WECOM_KEY}` },
      feishu: { type: 'feishu', url: `${http.origin}${PATHS.feishu}`, secret: FEISHU.secret, events: ['rolled_back'] },
      slack: { type: 'slack', url: `${http.origin}${PATHS.slack}`, language: 'en', events: ['succeeded'] },
      webhook: { type: 'webhook', url: `${http.origin}${PATHS.webhook}`, secret: WEBHOOK_SECRET, language: 'en', events: ['started', 'succeeded', 'failed', 'rolled_back', 'timed_out', 'interrupted', 'superseded'] },
      email: {
        type: 'email',
        language: 'en',
        events: ['failed', 'rolled_back'],
        email: { host: '127.0.0.1', port: smtp.port, security: 'none', ...SMTP, from: 'deploy@example.com', to: ['ops@example.com', 'dev@example.com'] },
      },
    };
    for (const [name, spec] of Object.entries(specs)) {
      const res = await call(admin, 'POST', '/web/user/channels', { name, scriptIds: [scriptId], ...spec });
      expect({ name, status: res.status, code: res.body.code, message: res.body.message }).toEqual({ name, status: 200, code: 0, message: expect.any(String) });
      expect(res.body.data).toMatchObject({ name, type: spec.type, scriptIds: [scriptId], isDefault: false });
      channels[name] = res.body.data.id;
    }
    const list = await call(admin, 'GET', '/web/user/channels');
    expect(list.body.data.map((c: { name: string }) => c.name)).toEqual(['dingtalk', 'email', 'feishu', 'slack', 'webhook', 'wecom']);
    const ding = list.body.data.find((c: { name: string }) => c.name === 'dingtalk');
    expect(ding).toMatchObject({ language: 'zh', hasSecret: true, target: `${http.origin}/…`, events: specs.dingtalk.events });
    expect(list.body.data.find((c: { name: string }) => c.name === 'wecom').events).toEqual(['succeeded', 'failed', 'rolled_back', 'timed_out', 'interrupted']);
    expect(list.body.data.find((c: { name: string }) => c.name === 'email').email).toEqual({
      host: '127.0.0.1',
      port: smtp.port,
      security: 'none',
      username: SMTP.username,
      hasPassword: true,
      from: 'deploy@example.com',
      to: ['ops@example.com', 'dev@example.com'],
    });
    for (const secret of SECRETS) expect(JSON.stringify(list.body)).not.toContain(secret);

    // Changing the name keeps the saved secret.
    const renamed = await call(admin, 'PUT', `/web/user/channels/${channels.dingtalk}`, { name: 'ding' });
    expect(renamed.body.data).toMatchObject({ name: 'ding', hasSecret: true });
  });

  it('refuses bad channels with a clear 400, keeps them per user, and saves nothing', async () => {
    const before = (await call(admin, 'GET', '/web/user/channels')).body.data;
    const bad: [Login, unknown, number, RegExp?][] = [
      [admin, { name: 'x', type: 'dingtalk' }, 40000, /url/],
      [admin, { name: 'x', type: 'dingtalk', url: `${http.origin}/robot/send` }, 40000, /access_token/],
      [admin, { name: 'x', type: 'wecom', url: `${http.origin}${PATHS.wecom}?key=k`, secret: 's' }, 40000, /secret/],
      [admin, { name: 'x', type: 'slack', url: 'ftp://example.com/x' }, 40000],
      [admin, { name: 'x', type: 'slack', url: 'https://user:pw@hooks.slack.com/services/x' }, 40000],
      [admin, { name: 'x', type: 'slack', url: `${http.origin}/x`, email: { host: 'a', port: 25, security: 'none', from: 'a@b.c', to: ['a@b.c'] } }, 40000, /email/],
      [admin, { name: 'x', type: 'email', email: { host: 'smtp.example.com', port: 0, security: 'tls', from: 'a@b.c', to: ['a@b.c'] } }, 40000, /port/],
      [admin, { name: 'x', type: 'email', email: { host: 'smtp.example.com', port: 465, security: 'tls', from: 'nobody', to: ['a@b.c'] } }, 40000, /from/],
      [admin, { name: 'x', type: 'slack', url: `${http.origin}/x`, events: ['exploded'] }, 40000, /events/],
      [admin, { name: 'x', type: 'pager', url: `${http.origin}/x` }, 40000, /type/],
      [admin, { name: 'x', type: 'slack', url: `${http.origin}/x`, scriptIds: [987654] }, 40000, /987654/],
      [admin, { name: 'wecom', type: 'slack', url: `${http.origin}/x` }, 40950],
      [admin, { name: 'x\ny', type: 'slack', url: `${http.origin}/x` }, 40000, /name/],
      [admin, [1, 2], 40000],
      [admin, { name: null, type: 'slack', url: `${http.origin}/x` }, 40000, /name/],
      [admin, { name: 'x', type: 'email', email: null }, 40000, /email/],
      [admin, { name: 'x', type: 'email', email: { host: 'smtp.example.com', port: 465, security: 'tls', from: 'a@b.c', to: [] } }, 40000, /to/],
      // A USER may not make the service call into its own network.
      [bob, { name: 'x', type: 'webhook', url: `${http.origin}/x` }, 40000, /private address/],
      [bob, { name: 'x', type: 'webhook', url: 'http://[::ffff:127.0.0.1]:9/x' }, 40000, /private address/],
      [bob, { name: 'x', type: 'email', email: { host: '127.0.0.1', port: 25, security: 'none', from: 'a@b.c', to: ['a@b.c'] } }, 40000, /private address/],
      [bob, { name: 'x', type: 'slack', url: 'https://hooks.slack.com/services/T/B/x', scriptIds: [scriptId] }, 40000, new RegExp(String(scriptId))],
    ];
    for (const [who, body, code, message] of bad) {
      const res = await call(who, 'POST', '/web/user/channels', body);
      expect({ body, status: res.status, code: res.body.code }).toEqual({ body, status: code === 40950 ? 409 : 400, code });
      if (message) expect(res.body.message).toMatch(message);
    }
    for (const body of [
      { name: null },
      { events: null },
      { events: 'succeeded' },
      { isDefault: 'yes' },
      { scriptIds: ['1'] },
      { url: null },
      { secret: null },
      { url: `${http.origin}/robot/send` },
      { email: { host: '127.0.0.1', port: 25, security: 'none', from: 'a@b.c', to: ['a@b.c'] } },
      { type: 'slack' },
      { name: 'wecom' },
    ]) {
      const res = await call(admin, 'PUT', `/web/user/channels/${channels.dingtalk}`, body);
      expect({ body, status: res.status, code: res.body.code }).toEqual({ body, status: body.name === 'wecom' ? 409 : 400, code: body.name === 'wecom' ? 40950 : 40000 });
    }
    expect((await call(admin, 'GET', '/web/user/channels')).body.data).toEqual(before);
    expect((await call(bob, 'GET', '/web/user/channels')).body.data).toEqual([]);
    for (const [method, path] of [
      ['GET', `/web/user/channels/${channels.wecom}`],
      ['PUT', `/web/user/channels/${channels.wecom}`],
      ['DELETE', `/web/user/channels/${channels.wecom}`],
      ['POST', `/web/user/channels/${channels.wecom}/test`],
      ['GET', `/web/user/channels/${channels.wecom}/deliveries`],
      ['GET', '/web/user/channels/abc'],
    ]) {
      expect((await call(bob, method, path, method === 'PUT' ? { name: 'mine' } : undefined)).body.code).toBe(40450);
    }
    expect((await call(undefined, 'GET', '/web/user/channels')).body.code).toBe(40100);
    expect((await call(admin, 'GET', `/web/user/channels/${channels.wecom}/deliveries?status=lost`)).body.code).toBe(40000);
  });

  it("sends a test message in each vendor's format, signed the way the vendor verifies it", async () => {
    const started = Date.now();
    for (const name of ['ding', 'wecom', 'feishu', 'slack', 'webhook', 'email']) {
      const id = name === 'ding' ? channels.dingtalk : channels[name];
      const res = await call(admin, 'POST', `/web/user/channels/${id}/test`);
      expect({ name, code: res.body.code }).toEqual({ name, code: 0 });
      expect(res.body.data.response).toMatch(name === 'email' ? /^250/ : name === 'webhook' ? /204/ : /200/);
    }

    const [ding] = http.to(PATHS.dingtalk);
    const q = new URL(ding.url, http.origin).searchParams;
    expect(q.get('access_token')).toBe(DING.token);
    const timestamp = q.get('timestamp')!;
    expect(Math.abs(Number(timestamp) - started)).toBeLessThan(60_000);
    expect(q.get('sign')).toBe(hmacBase64(DING.secret, `${timestamp}\n${DING.secret}`));
    expect(ding.headers['content-type']).toMatch(/^application\/json/);
    expect(json(ding)).toMatchObject({ msgtype: 'markdown', markdown: { title: expect.any(String), text: expect.stringContaining('demo') } });

    const [wecom] = http.to(PATHS.wecom);
    expect(new URL(wecom.url, http.origin).searchParams.get('key')).toBe(WECOM_KEY);
    expect(json(wecom)).toMatchObject({ msgtype: 'markdown', markdown: { content: expect.stringContaining('demo') } });

    const [feishu] = http.to(PATHS.feishu);
    const fb = json(feishu);
    expect(Math.abs(Number(fb.timestamp) * 1000 - started)).toBeLessThan(60_000);
    expect(fb.sign).toBe(createHmac('sha256', `${fb.timestamp}\n${FEISHU.secret}`).update('').digest('base64'));
    expect(fb).toMatchObject({ msg_type: 'interactive', card: expect.any(Object) });

    const [slack] = http.to(PATHS.slack);
    expect(json(slack)).toMatchObject({ text: expect.stringContaining('demo'), blocks: expect.any(Array) });

    const [hook] = http.to(PATHS.webhook);
    const ts = hook.headers['x-dds-timestamp'] as string;
    expect(hook.headers['x-dds-signature']).toBe(`sha256=${createHmac('sha256', WEBHOOK_SECRET).update(`${ts}.${hook.body}`).digest('hex')}`);
    expect(hook.headers['x-dds-event']).toBe('succeeded');
    expect(json(hook)).toMatchObject({ event: 'succeeded', deployment: { stack: 'demo', test: true, url: `${PUBLIC_BASE_URL}/deployments/0` } });

    const [mail] = smtp.messages;
    expect(mail.envelopeTo).toEqual(['ops@example.com', 'dev@example.com']);
    expect(smtp.logins).toEqual([{ username: SMTP.username, password: SMTP.password }]);
    expect(mail.subject).toMatch(/demo/);
    expect(mail.html).toEqual(expect.stringContaining('demo'));

    // A refusal answers 40060 with what the receiver said.
    http.answer(PATHS.dingtalk, answerText('{"errcode":310000,"errmsg":"sign not match"}', 200));
    const refused = await call(admin, 'POST', `/web/user/channels/${channels.dingtalk}/test`);
    expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 400, code: 40060 });
    expect(refused.body.message).toContain('310000');
    http.answer(PATHS.dingtalk, answerText('{"errcode":0,"errmsg":"ok"}', 200));
  });

  it('delivers over HTTPS and SMTP with TLS, and refuses a certificate it does not trust', async () => {
    const trusted = new HttpReceiver(certificate);
    const untrusted = new HttpReceiver(selfSignedCertificate());
    const smtps = new SmtpReceiver(certificate);
    await Promise.all([trusted.start(), untrusted.start(), smtps.start()]);
    try {
      const save = async (body: Record<string, unknown>) => {
        const res = await call(admin, 'POST', '/web/user/channels', { language: 'en', ...body });
        expect(res.body.code).toBe(0);
        return res.body.data.id as number;
      };
      const https = await save({ name: 'https', type: 'dingtalk', url: `${trusted.origin}/robot/send?access_token=${DING.token}`, secret: DING.secret });
      const mitm = await save({ name: 'mitm', type: 'webhook', url: `${untrusted.origin}/hook`, secret: WEBHOOK_SECRET });
      const mail = await save({ name: 'smtps', type: 'email', email: { host: '127.0.0.1', port: smtps.port, security: 'tls', ...SMTP, from: 'deploy@example.com', to: ['ops@example.com'] } });

      expect((await call(admin, 'POST', `/web/user/channels/${https}/test`)).body).toMatchObject({ code: 0, data: { response: expect.stringContaining('200') } });
      expect(trusted.to('/robot/send')).toHaveLength(1);
      expect((await call(admin, 'POST', `/web/user/channels/${mail}/test`)).body).toMatchObject({ code: 0, data: { response: expect.stringMatching(/^250/) } });
      expect(smtps.messages.map((m) => m.subject)).toEqual([expect.stringContaining('demo')]);
      expect(smtps.logins).toEqual([{ username: SMTP.username, password: SMTP.password }]);

      const refused = await call(admin, 'POST', `/web/user/channels/${mitm}/test`);
      expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 400, code: 40060 });
      expect(refused.body.message).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
      expect(untrusted.requests).toEqual([]);
      for (const id of [https, mitm, mail]) await call(admin, 'DELETE', `/web/user/channels/${id}`);
    } finally {
      await Promise.all([trusted.stop(), untrusted.stop(), smtps.stop()]);
    }
  });

  it('reports a real rollout: exactly one message per chosen event, and a rollback with its cause', async () => {
    const create = await deploy(scriptId, 'createService');
    const update = await deploy(scriptId, 'updateService', { repository: IMAGE, tag: 'v2' });
    const broken = await deploy(scriptId, 'updateService', { repository: IMAGE, tag: 'broken' });
    // Per receiver, per deployment: the events it chose (webhook: all; dingtalk: started and outcomes).
    const expected: [string, number, number][] = [
      [PATHS.dingtalk, create, 2],
      [PATHS.dingtalk, update, 2],
      [PATHS.dingtalk, broken, 2],
      [PATHS.wecom, create, 1],
      [PATHS.wecom, update, 1],
      [PATHS.wecom, broken, 1],
      [PATHS.feishu, create, 0],
      [PATHS.feishu, update, 0],
      [PATHS.feishu, broken, 1],
      [PATHS.slack, create, 1],
      [PATHS.slack, update, 1],
      [PATHS.slack, broken, 0],
      [PATHS.webhook, create, 2],
      [PATHS.webhook, update, 2],
      [PATHS.webhook, broken, 2],
    ];
    const counts = () => expected.map(([path, id]) => about(path, id).length);
    await eventually(() => counts().every((n, i) => n >= expected[i][2]) && mailsAbout(broken).length >= 1, 'every message to arrive', 60_000);
    // Nothing more comes later.
    await new Promise((r) => setTimeout(r, 4000));
    expect(expected.map(([path, id]) => [path, id, about(path, id).length])).toEqual(expected);
    expect([create, update].map((id) => mailsAbout(id).length)).toEqual([0, 0]);
    expect(mailsAbout(broken)).toHaveLength(1);

    const events = (id: number) => about(PATHS.webhook, id).map((r) => r.headers['x-dds-event']);
    expect([events(create), events(update), events(broken)]).toEqual([
      ['started', 'succeeded'],
      ['started', 'succeeded'],
      ['started', 'rolled_back'],
    ]);
    const [, success] = about(PATHS.webhook, update).map(json);
    expect(success.deployment).toMatchObject({
      deploymentId: update,
      stack: `${PREFIX}-app`,
      action: 'update',
      services: [`${PREFIX}-app_halo`],
      previousImage: expect.stringContaining(`${IMAGE}:v1`),
      image: `${IMAGE}:v2`,
      trigger: { kind: 'manual', username: expect.stringMatching(/^nt/) },
      url: `${PUBLIC_BASE_URL}/deployments/${update}`,
    });
    expect(success.deployment.durationMs).toBeGreaterThan(0);
    const [, rollback] = about(PATHS.webhook, broken).map(json);
    expect(rollback.deployment).toMatchObject({ event: 'rolled_back', errorCode: 50011, error: expect.stringMatching(/rolled back/) });
    expect(rollback.deployment.error).toMatch(/task did not start.*non-zero exit/);
    // The cause reaches every format.
    expect(about(PATHS.feishu, broken)[0].body).toMatch(/non-zero exit/);
    expect(json(about(PATHS.dingtalk, broken)[1]).markdown.text).toMatch(/non-zero exit/);
    expect(mailsAbout(broken)[0].text).toMatch(/non-zero exit/);
    expect(mailsAbout(broken)[0].subject).toMatch(new RegExp(`${PREFIX}-app`));

    const log = await call(admin, 'GET', `/web/user/channels/${channels.webhook}/deliveries?pageSize=50`);
    const rows = log.body.data.content.filter((d: { deploymentId: number }) => [create, update, broken].includes(d.deploymentId));
    expect(rows).toHaveLength(6);
    for (const row of rows) expect(row).toMatchObject({ status: 'sent', attempts: 1, response: expect.stringContaining('204'), sentAt: expect.any(String) });
  });

  it('retries after the receiver answers 500 and after it was down, across a restart, and sends each message once', async () => {
    const flaky = new HttpReceiver();
    await flaky.start();
    try {
      const id = await saveScript('retry');
      const channel = await call(admin, 'POST', '/web/user/channels', { name: 'flaky', type: 'webhook', url: `${flaky.origin}/flaky`, language: 'en', events: ['succeeded'], scriptIds: [id] });
      expect(channel.body.code).toBe(0);
      const deliveries = async () => (await call(admin, 'GET', `/web/user/channels/${channel.body.data.id}/deliveries`)).body.data.content as Record<string, any>[];

      // Two 500s, then accepted: three attempts of one message, with one delivery id.
      flaky.answer('/flaky', answerText('upstream exploded', 500), answerText('upstream exploded', 500), answerText('ok', 200));
      const created = await deploy(id, 'createService');
      await eventually(async () => (await deliveries())[0]?.status === 'sent', 'the message to be sent after two 500s', 30_000);
      expect((await deliveries())[0]).toMatchObject({ deploymentId: created, attempts: 3, status: 'sent', response: expect.stringContaining('200') });
      expect(flaky.to('/flaky').map((r) => r.headers['x-dds-delivery'])).toEqual(Array(3).fill(flaky.to('/flaky')[0].headers['x-dds-delivery']));

      // Receiver down: the message waits, with the reason, while the app restarts.
      await flaky.stop();
      const updated = await deploy(id, 'updateService', { repository: IMAGE, tag: 'v2' });
      await eventually(async () => (await deliveries())[0]?.attempts >= 1, 'a failed attempt', 30_000);
      const waiting = (await deliveries())[0];
      expect(waiting).toMatchObject({ deploymentId: updated, status: expect.stringMatching(/pending|sending/), response: expect.stringMatching(/ECONNREFUSED|refused|connect/i) });
      outputs.push(app.fullOutput());
      await app.stop();
      await flaky.start();
      app = await startAppProcess('notifications-restarted', build!.mainJs, ENV());
      await eventually(async () => (await deliveries())[0]?.status === 'sent', 'the message to be sent after the restart', 60_000);
      await new Promise((r) => setTimeout(r, 3000));
      const about = flaky.to('/flaky').filter((r) => json(r).deployment.deploymentId === updated);
      expect(about).toHaveLength(1);
      expect((await deliveries()).filter((d) => d.deploymentId === updated)).toEqual([expect.objectContaining({ status: 'sent' })]);
    } finally {
      await flaky.stop();
    }
  });

  it('keeps every secret out of answers, logs and the database', async () => {
    outputs.push(app.fullOutput());
    const dump = await dumpDatabase(databaseUrl);
    for (const secret of SECRETS) {
      expect({ secret, inAnswers: seen.some((s) => s.includes(secret)) }).toEqual({ secret, inAnswers: false });
      expect({ secret, inLogs: outputs.some((o) => o.includes(secret)) }).toEqual({ secret, inLogs: false });
      expect({ secret, inDatabase: dump.includes(secret) }).toEqual({ secret, inDatabase: false });
    }
    expect(outputs.join('').length).toBeGreaterThan(1000); // trace logging was on: there was something to search
  });
});
