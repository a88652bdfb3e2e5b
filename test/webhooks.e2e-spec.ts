import { randomBytes } from 'node:crypto';
import { startRegistry, TestRegistry } from './support/registry';
import { ALIYUN_HOST, aliyunPush as aliyunPushFor, haloCompose, specImage } from './support/rollouts';
import { assertSwarm, docker, ensureTestImage, removeStacks } from './support/test-images';
import { registerAndLogin, startTestApp, TestApp } from './support/test-app';

const PREFIX = `wh${randomBytes(3).toString('hex')}`;
const NAMESPACE = `${PREFIX}ns`;
const aliyunPush = (tag: string, name = 'halo') => aliyunPushFor(NAMESPACE, tag, name);

describe('registry webhook on a real swarm', () => {
  let t: TestApp;
  let owner: Awaited<ReturnType<typeof registerAndLogin>>;
  let stackCounter = 0;

  /** Saves a script from `image`, deploys it through the API and returns it with its webhook URL. */
  async function deployedScript(image: string, isAutoUpdate = 1) {
    const serviceName = `${PREFIX}s${stackCounter++}`;
    const created = await t.request('POST', '/web/user/script', {
      token: owner.authorization,
      body: { serviceName, dockerComposeContent: haloCompose(image), isAutoUpdate },
    });
    expect(created.body.code).toBe(0);
    const script = created.body.data;
    const deployed = await t.request('PUT', `/web/user/script/${script.id}/createService`, { token: owner.authorization });
    expect(deployed.body.code).toBe(0);
    const url = new URL(script.autoUpdateUrl);
    return { ...script, swarmService: `${serviceName}_halo`, path: url.pathname, token: url.searchParams.get('token')! };
  }

  async function waitForImage(service: string, image: string, timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (specImage(service) === image) return;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`${service} did not reach ${image}; it runs ${specImage(service)}`);
  }

  const deploymentsOf = async (scriptId: number) =>
    (await t.request('GET', `/web/user/script/${scriptId}/deployments?pageSize=200`, { token: owner.authorization })).body.data.content;

  beforeAll(async () => {
    assertSwarm();
    for (const tag of ['prod-1.4.6', 'prod-1.4.7', 'prod-1.4.8', 'burst-1', 'burst-2', 'burst-3', 'burst-4', 'burst-5']) {
      ensureTestImage(`${ALIYUN_HOST}/${NAMESPACE}/halo:${tag}`);
    }
    t = await startTestApp({ WEBHOOK_WAIT_SECONDS: '60' });
    owner = await registerAndLogin(t);
  });

  afterAll(async () => {
    removeStacks(PREFIX);
    await t?.close();
  });

  it('rolls the service to the pushed tag with the contract payload', async () => {
    const script = await deployedScript(`${ALIYUN_HOST}/${NAMESPACE}/halo:prod-1.4.6`);
    const res = await t.request('POST', `${script.path}?token=${script.token}`, { body: aliyunPush('prod-1.4.7') });
    expect({ status: res.status, code: res.body.code, message: res.body.message }).toEqual({ status: 200, code: 0, message: '成功' });
    expect(res.body.data).toEqual(expect.arrayContaining([expect.stringContaining('converged')]));
    expect(specImage(script.swarmService)).toBe(`${ALIYUN_HOST}/${NAMESPACE}/halo:prod-1.4.7`);

    const [latest] = await deploymentsOf(script.id);
    expect(latest).toMatchObject({ action: 'update', trigger: 'webhook', tag: 'prod-1.4.7', status: 'succeeded' });
  });

  it('accepts the token in the X-Webhook-Token header', async () => {
    const script = await deployedScript(`${ALIYUN_HOST}/${NAMESPACE}/halo:prod-1.4.6`);
    const res = await t.request('POST', script.path, { body: aliyunPush('prod-1.4.8'), headers: { 'x-webhook-token': script.token } });
    expect(res.body.code).toBe(0);
    expect(specImage(script.swarmService)).toBe(`${ALIYUN_HOST}/${NAMESPACE}/halo:prod-1.4.8`);
  });

  it('refuses bad tokens, unknown users and unknown services alike, and runs nothing', async () => {
    const script = await deployedScript(`${ALIYUN_HOST}/${NAMESPACE}/halo:prod-1.4.6`);
    const before = (await deploymentsOf(script.id)).length;
    const [, , , userId, serviceName] = script.path.split('/');
    const attempts = [
      `${script.path}?token=${'A'.repeat(43)}`,
      `${script.path}`,
      `${script.path}?token=`,
      `/api/autoUpdate/999999/${serviceName}?token=${script.token}`,
      `/api/autoUpdate/${userId}/nosuchstack?token=${script.token}`,
      `/api/autoUpdate/abc/${serviceName}?token=${script.token}`,
    ];
    const bodies = [];
    for (const path of attempts) {
      const res = await t.request('POST', path, { body: aliyunPush('prod-1.4.7') });
      expect([path, res.status]).toEqual([path, 404]);
      bodies.push(res.body);
    }
    expect(new Set(bodies.map((b) => JSON.stringify(b))).size).toBe(1);
    expect(bodies[0].code).toBe(40430);
    expect(await deploymentsOf(script.id)).toHaveLength(before);
    expect(specImage(script.swarmService)).toBe(`${ALIYUN_HOST}/${NAMESPACE}/halo:prod-1.4.6`);
  });

  it('refuses a push for a repository the stack does not run', async () => {
    const script = await deployedScript(`${ALIYUN_HOST}/${NAMESPACE}/halo:prod-1.4.6`);
    const before = (await deploymentsOf(script.id)).length;
    ensureTestImage(`${ALIYUN_HOST}/${NAMESPACE}/evil:prod-1.4.7`);
    const other = await t.request('POST', `${script.path}?token=${script.token}`, { body: aliyunPush('prod-1.4.7', 'evil') });
    expect(other.status).toBe(400);
    expect(other.body.code).toBe(40071);
    const otherRegion = aliyunPush('prod-1.4.7');
    otherRegion.repository.region = 'cn-hangzhou';
    expect((await t.request('POST', `${script.path}?token=${script.token}`, { body: otherRegion })).body.code).toBe(40071);
    expect(await deploymentsOf(script.id)).toHaveLength(before);
    expect(specImage(script.swarmService)).toBe(`${ALIYUN_HOST}/${NAMESPACE}/halo:prod-1.4.6`);
  });

  it('runs nothing when auto-update is off, and says so', async () => {
    const script = await deployedScript(`${ALIYUN_HOST}/${NAMESPACE}/halo:prod-1.4.6`, 0);
    const res = await t.request('POST', `${script.path}?token=${script.token}`, { body: aliyunPush('prod-1.4.7') });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe(40370);
    expect(specImage(script.swarmService)).toBe(`${ALIYUN_HOST}/${NAMESPACE}/halo:prod-1.4.6`);
  });

  it.each([
    ['shell text in the tag', (b: any) => (b.push_data.tag = '$(touch /tmp/pwned)')],
    ['an option as the tag', (b: any) => (b.push_data.tag = '--detach=true')],
    ['a non-object body', () => 'halo'],
  ])('refuses %s with 400 and runs nothing', async (_, mutate) => {
    const script = await deployedScript(`${ALIYUN_HOST}/${NAMESPACE}/halo:prod-1.4.6`);
    const body = aliyunPush('prod-1.4.7');
    const changed = mutate(body);
    const res = await t.request('POST', `${script.path}?token=${script.token}`, { body: typeof changed === 'string' ? changed : body });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(40070);
    expect(await deploymentsOf(script.id)).toHaveLength(1);
  });

  it('answers a Distribution registry 200 for what it must not retry (the code says why), after the same 404 token check', async () => {
    const script = await deployedScript(`${ALIYUN_HOST}/${NAMESPACE}/halo:prod-1.4.6`);
    const notify = (repository: string, tag: string) => ({
      events: [
        {
          action: 'push',
          target: { mediaType: 'application/vnd.docker.distribution.manifest.v2+json', repository, tag, digest: `sha256:${'a'.repeat(64)}` },
          request: { host: 'registry.example.com:5000' },
        },
      ],
    });
    const post = (body: unknown, token = script.token) => t.request('POST', `${script.path}?token=${token}`, { body });
    const answers = [
      await post(notify(`${NAMESPACE}/halo`, '$(id)'), 'A'.repeat(43)),
      await post(notify(`${NAMESPACE}/halo`, '$(id)')),
      await post(notify(`${NAMESPACE}/halo`, 'prod-1.4.7')),
    ];
    expect(answers.map((r) => [r.status, r.body.code])).toEqual([
      [404, 40430],
      [200, 40070],
      [200, 40071],
    ]);
    expect(await deploymentsOf(script.id)).toHaveLength(1);
  });

  it('ends a burst of five pushes on the last tag with at most two rollouts', async () => {
    const script = await deployedScript(`${ALIYUN_HOST}/${NAMESPACE}/halo:prod-1.4.6`);
    // Each push goes out as soon as the previous one is recorded (its answer comes later, after its
    // rollout): pushes milliseconds apart, yet "the last tag" is the last one the service received.
    // Fired blindly 30 ms apart, two requests can overtake each other on a busy machine.
    const answers = [];
    for (const n of [1, 2, 3, 4, 5]) {
      answers.push(t.request('POST', `${script.path}?token=${script.token}`, { body: aliyunPush(`burst-${n}`) }));
      const deadline = Date.now() + 15_000;
      while (!(await deploymentsOf(script.id)).some((d: { tag: string }) => d.tag === `burst-${n}`)) {
        if (Date.now() > deadline) throw new Error(`the burst-${n} push was not recorded`);
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    for (const r of await Promise.all(answers)) expect([200, 202, 409]).toContain(r.status);
    await waitForImage(script.swarmService, `${ALIYUN_HOST}/${NAMESPACE}/halo:burst-5`);
    const updates = (await deploymentsOf(script.id)).filter((d: { action: string }) => d.action === 'update');
    const ran = updates.filter((d: { status: string }) => d.status !== 'superseded');
    expect(ran.length).toBeLessThanOrEqual(2);
    expect(updates.filter((d: { status: string }) => d.status === 'superseded').length).toBeGreaterThanOrEqual(3);
  });

  it('answers 202 with the deployment id when the rollout outlasts WEBHOOK_WAIT_SECONDS, and a repeated push joins it', async () => {
    const quick = await startTestApp({ WEBHOOK_WAIT_SECONDS: '0' }, t.databaseUrl);
    try {
      const script = await deployedScript(`${ALIYUN_HOST}/${NAMESPACE}/halo:prod-1.4.6`);
      const push = aliyunPush('prod-1.4.7');
      const first = await quick.request('POST', `${script.path}?token=${script.token}`, { body: push });
      const again = await quick.request('POST', `${script.path}?token=${script.token}`, { body: push });
      expect(first.status).toBe(202);
      expect(first.body.data).toEqual({ deploymentId: expect.any(Number), status: expect.stringMatching(/queued|running/) });
      expect(again.body.data.deploymentId).toBe(first.body.data.deploymentId);
      await waitForImage(script.swarmService, `${ALIYUN_HOST}/${NAMESPACE}/halo:prod-1.4.7`);
    } finally {
      await quick.close();
    }
  });
});

describe('a real registry push rolls the service', () => {
  let t: TestApp;
  let registry: TestRegistry;

  beforeAll(async () => {
    assertSwarm();
    t = await startTestApp({ WEBHOOK_WAIT_SECONDS: '60' });
  });
  afterAll(async () => {
    removeStacks(`${PREFIX}r`);
    await registry?.stop();
    await t?.close();
  });

  it('docker push -> registry notification -> rolling update', async () => {
    const owner = await registerAndLogin(t);
    const serviceName = `${PREFIX}reg`;
    // The script must exist before the registry starts, since its URL carries the token.
    const placeholder = await t.request('POST', '/web/user/script', {
      token: owner.authorization,
      body: { serviceName, dockerComposeContent: haloCompose('127.0.0.1:1/acme/web:1'), isAutoUpdate: 1 },
    });
    expect(placeholder.body.code).toBe(0);
    const webhook = new URL(placeholder.body.data.autoUpdateUrl);
    registry = await startRegistry(`${t.baseUrl}${webhook.pathname}${webhook.search}`);
    const repo = `${registry.host}/acme/web`;
    ensureTestImage(`${repo}:1`);
    docker('push', `${repo}:1`);
    const update = await t.request('PUT', `/web/user/script/${placeholder.body.data.id}`, {
      token: owner.authorization,
      body: { dockerComposeContent: haloCompose(`${repo}:1`) },
    });
    expect(update.body.code).toBe(0);
    expect((await t.request('PUT', `/web/user/script/${placeholder.body.data.id}/createService`, { token: owner.authorization })).body.code).toBe(0);

    ensureTestImage(`${repo}:2`);
    docker('push', `${repo}:2`);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && specImage(`${serviceName}_halo`) !== `${repo}:2`) await new Promise((r) => setTimeout(r, 500));
    expect(specImage(`${serviceName}_halo`)).toBe(`${repo}:2`);
    // The spec changes as soon as docker starts the update; the deployment ends when it converges.
    const latest = async () => (await t.request('GET', `/web/user/script/${placeholder.body.data.id}/deployments`, { token: owner.authorization })).body.data.content[0];
    const finishBy = Date.now() + 60_000;
    while (Date.now() < finishBy && ['queued', 'running'].includes((await latest()).status)) await new Promise((r) => setTimeout(r, 500));
    expect(await latest()).toMatchObject({ trigger: 'webhook', tag: '2', status: 'succeeded' });
  });
});
