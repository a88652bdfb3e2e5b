/**
 * Multi-user safety on a real swarm that also runs stacks this service did not deploy: a USER can
 * neither read nor change what is not theirs, and can still deploy an app that needs secrets and a
 * shared proxy network. The app runs as its own process so every log line it writes can be searched
 * for a secret's value.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppProcess, compileApp, startAppProcess } from './support/app-process';
import { createTestDatabase, dumpDatabase } from './support/databases';
import { eventually, serviceContainers } from './support/packaging';
import { ALIYUN_HOST, aliyunPush } from './support/rollouts';
import { registerAndLogin, uniqueName } from './support/test-app';
import { assertSwarm, docker, ensureTestImage, removeStacks } from './support/test-images';

const PREFIX = `tn${randomBytes(3).toString('hex')}`;
const NAMESPACE = `${PREFIX}ns`;
const REPO = `${ALIYUN_HOST}/${NAMESPACE}/halo`;
const SHARED_NETWORK = `${PREFIX}-proxy`;
const HAND_SECRET = `${PREFIX}_hand_secret`;
const SECRET_VALUES = [`v1-${randomBytes(12).toString('hex')}`, `v2-${randomBytes(12).toString('hex')}`];

interface Login {
  id: number;
  role: string;
  authorization: string;
}

/** A one-service stack `web` (the service keeps running and stops at once on SIGTERM). */
const compose = (opts: { service?: string[]; top?: string[]; version?: string } = {}) =>
  [
    ...(opts.version ? [`version: "${opts.version}"`] : []),
    'services:',
    '  web:',
    `    image: ${REPO}:1`,
    '    stop_grace_period: 1s',
    '    deploy: {replicas: 1, update_config: {parallelism: 1, delay: 0s, monitor: 1s}}',
    ...(opts.service ?? []).map((l) => `    ${l}`),
    ...(opts.top ?? []),
    '',
  ].join('\n');

/** `docker stack deploy` by hand, as an operator or another tool would. */
function deployByHand(stack: string, content = compose({ service: ['volumes: ["data:/data"]'], top: ['volumes:', '  data: {}'] })): void {
  const dir = mkdtempSync(join(tmpdir(), 'dds-hand-'));
  writeFileSync(join(dir, 'stack.yml'), content);
  docker('stack', 'deploy', '-c', join(dir, 'stack.yml'), stack);
}

/** What changes whenever anything touches a service: its spec version and image. */
const serviceState = (service: string) => docker('service', 'inspect', '--format', '{{.Version.Index}} {{.Spec.TaskTemplate.ContainerSpec.Image}}', service).trim();
const serviceLabels = (service: string): Record<string, string> => JSON.parse(docker('service', 'inspect', '--format', '{{json .Spec.Labels}}', service));

describe('multi-user safety on a shared swarm', () => {
  let build: ReturnType<typeof compileApp> | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;
  let databaseUrl: string;
  let app: AppProcess;
  let admin: Login;
  let alice: Login;
  let bob: Login;
  /** Every response body this suite received, to search for secret values. */
  const seen: string[] = [];

  const call = async (who: Login | undefined, method: string, path: string, body?: unknown) => {
    const res = await app.request(method, path, { token: who?.authorization, body });
    seen.push(JSON.stringify(res.body));
    return res;
  };
  const save = (who: Login, serviceName: string, content: string, isAutoUpdate = 0) =>
    call(who, 'POST', '/web/user/script', { serviceName, dockerComposeContent: content, isAutoUpdate });
  const saveOk = async (who: Login, serviceName: string, content = compose(), isAutoUpdate = 0) => {
    const res = await save(who, serviceName, content, isAutoUpdate);
    if (res.body.code !== 0) throw new Error(`saving ${serviceName} failed: ${JSON.stringify(res.body)}`);
    return res.body.data as { id: number; autoUpdateUrl: string };
  };
  const register = (): Promise<Login> => registerAndLogin(app, uniqueName('tn'));

  beforeAll(async () => {
    assertSwarm();
    for (const tag of ['1', '2']) ensureTestImage(`${REPO}:${tag}`);
    docker('network', 'create', '--driver', 'overlay', '--attachable', SHARED_NETWORK);
    spawnSync('docker', ['secret', 'create', HAND_SECRET, '-'], { input: 'the operator secret' });
    build = compileApp();
    const db = await createTestDatabase();
    dropDatabase = db.drop;
    databaseUrl = db.url;
    app = await startAppProcess('tenancy', build.mainJs, {
      DATABASE_URL: db.url,
      LOG_LEVEL: 'trace',
      JWT_SECRET: 'tenancy-e2e-secret-tenancy-e2e-secret-0123',
      REGISTRATION: 'open',
      AUTH_RATE_LIMIT_PER_ADDRESS: '100000',
      AUTH_RATE_LIMIT_PER_USERNAME: '100000',
      DEPLOY_TIMEOUT_SECONDS: '120',
      WEBHOOK_WAIT_SECONDS: '60',
      USER_NETWORKS: SHARED_NETWORK,
      USER_MAX_STACKS: '6',
      USER_MAX_REPLICAS: '3',
      RESERVED_STACK_NAMES: `${PREFIX}-rsv`,
    });
    admin = await register();
    alice = await register();
    bob = await register();
    expect([admin.role, alice.role, bob.role]).toEqual(['ADMIN', 'USER', 'USER']);
  }, 240_000);

  afterAll(async () => {
    removeStacks(PREFIX);
    await app?.stop();
    spawnSync('docker', ['network', 'rm', SHARED_NETWORK]);
    for (const name of docker('secret', 'ls', '--format', '{{.Name}}').split('\n').filter((n) => n.startsWith(PREFIX))) spawnSync('docker', ['secret', 'rm', name]);
    await dropDatabase?.();
    build?.remove();
  });

  it('a stack deployed by hand survives every attempt of a USER, and of an ADMIN until adopted', async () => {
    const hand = `${PREFIX}-hand`;
    deployByHand(hand);
    const before = serviceState(`${hand}_web`);

    const taken = await save(alice, hand, compose());
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ code: 40912 });
    expect(taken.body.message).toContain(`${hand}_web (deployed outside this service)`);

    // The stack appears after the script was saved: every operation refuses it and changes nothing.
    const late = `${PREFIX}-late`;
    const script = await saveOk(alice, late, compose(), 1);
    deployByHand(late);
    const lateBefore = serviceState(`${late}_web`);
    for (const [method, path, body] of [
      ['PUT', `/web/user/script/${script.id}/createService`],
      ['PUT', `/web/user/script/${script.id}/updateService`, { repository: REPO, tag: '2' }],
      ['PUT', `/web/user/script/${script.id}/removeService`],
      ['DELETE', `/web/user/script/${script.id}?removeService=true`],
    ] as const) {
      const res = await call(alice, method, path, body);
      expect({ path, status: res.status, code: res.body.code }).toEqual({ path, status: 409, code: 40912 });
    }
    const hook = await app.request('POST', new URL(script.autoUpdateUrl).pathname + new URL(script.autoUpdateUrl).search, { body: aliyunPush(NAMESPACE, '2') });
    expect([hook.status, hook.body.code]).toEqual([409, 40912]);
    expect(serviceState(`${late}_web`)).toBe(lateBefore);
    // Nor does the detail show her what runs there.
    const detail = await call(alice, 'GET', `/web/user/script/${script.id}`);
    expect(detail.body.data).toMatchObject({ stack: null, stackError: expect.stringContaining("is not this script's") });

    // Deleting the script without removeService leaves the stack that is not its own alone.
    expect((await call(alice, 'DELETE', `/web/user/script/${script.id}`)).body.code).toBe(0);
    expect(serviceState(`${late}_web`)).toBe(lateBefore);

    // An ADMIN may save the name, but deploys nothing over the stack before adopting it.
    const adminScript = await saveOk(admin, hand, compose());
    const refused = await call(admin, 'PUT', `/web/user/script/${adminScript.id}/createService`);
    expect([refused.status, refused.body.code]).toEqual([409, 40912]);
    expect(refused.body.message).toContain('adopt');
    expect(serviceState(`${hand}_web`)).toBe(before);
  });

  it('an ADMIN adopts a stack explicitly; a USER cannot', async () => {
    const hand = `${PREFIX}-hand`;
    const script = (await call(admin, 'GET', `/web/user/script?serviceName=${hand}`)).body.data.content[0];
    // `docker stack deploy` returns before the task runs: on a busy machine its container comes later.
    await eventually(() => serviceContainers(`${hand}_web`).length === 1, `the container of ${hand}_web`);
    const containers = serviceContainers(`${hand}_web`);

    const byUser = await call(alice, 'PUT', `/web/user/script/${script.id}/adopt`);
    expect([byUser.status, byUser.body.code]).toEqual([403, 40300]);

    const adopted = await call(admin, 'PUT', `/web/user/script/${script.id}/adopt`);
    expect(adopted.body).toMatchObject({ code: 0, data: expect.stringContaining(`adopted ${hand}_web`) });
    expect(serviceLabels(`${hand}_web`)).toMatchObject({ 'dds.script': String(script.id), 'dds.owner': String(admin.id) });
    expect(serviceContainers(`${hand}_web`)).toEqual(containers); // labels only: the task kept running
    const history = (await call(admin, 'GET', `/web/user/script/${script.id}/deployments`)).body.data.content;
    expect(history[0]).toMatchObject({ action: 'adopt', status: 'succeeded', trigger: 'manual' });

    const updated = await call(admin, 'PUT', `/web/user/script/${script.id}/updateService`, { repository: REPO, tag: '2' });
    expect(updated.body.code).toBe(0);
  });

  it.each([
    ['an external secret', { service: ['secrets: [s]'], top: ['secrets:', `  s: {external: true, name: ${HAND_SECRET}}`] }, `secrets.s`],
    ['an external secret by key', { service: ['secrets: [jwt]'], top: ['secrets:', '  jwt:', '    external: true'] }, 'secrets.jwt'],
    ['a legacy external name', { service: ['secrets: [s]'], top: ['secrets:', `  s: {external: {name: ${HAND_SECRET}}}`], version: '3.3' }, 'secrets.s'],
    ['an external config', { service: ['configs: [c]'], top: ['configs:', '  c: {external: true}'] }, 'configs.c'],
    ['another stack\'s volume', { service: ['volumes: ["v:/data"]'], top: ['volumes:', `  v: {external: true, name: ${PREFIX}-hand_data}`] }, 'volumes.v'],
    ['a volume named outside the stack', { service: ['volumes: ["v:/data"]'], top: ['volumes:', `  v: {name: ${PREFIX}-hand_data}`] }, 'volumes.v'],
    ['an undeclared volume source', { service: ['volumes: [{type: volume, source: other_data, target: /data}]'] }, 'services.web.volumes[0]'],
    ['another stack\'s network', { service: ['networks: [n]'], top: ['networks:', `  n: {external: true, name: ${PREFIX}-hand_default}`] }, 'networks.n'],
    ['a network named outside the stack', { service: ['networks: [n]'], top: ['networks:', `  n: {name: ${PREFIX}-hand_default}`] }, 'networks.n'],
    ['a port outside USER_PORT_RANGE', { service: ['ports: ["8080:80"]'] }, 'services.web.ports[0]'],
    ['a host-mode port outside the range', { service: ['ports: [{target: 80, published: 29999, mode: host}]'] }, 'services.web.ports[0]'],
  ])('refuses a USER %s, naming the key', async (what, opts, key) => {
    const res = await save(alice, `${PREFIX}-p${randomBytes(2).toString('hex')}`, compose(opts));
    expect([res.status, res.body.code]).toEqual([400, 40025]);
    expect(res.body.data.violations.map((v: { key: string }) => v.key)).toContain(key);
    // An ADMIN is exempt.
    if (!what.includes('undeclared')) expect((await save(admin, `${PREFIX}-a${randomBytes(2).toString('hex')}`, compose(opts))).body.code).not.toBe(40025);
  });

  it('limits replicas, stacks per user, reserved names and overlapping names, each with its own code', async () => {
    const replicas = await save(alice, `${PREFIX}-rep`, compose().replace('replicas: 1', 'replicas: 4'));
    expect([replicas.status, replicas.body.code]).toEqual([400, 40027]);
    const reserved = await save(alice, `${PREFIX}-rsv`, compose());
    expect([reserved.status, reserved.body.code]).toEqual([409, 40913]);

    await saveOk(alice, `${PREFIX}ov`);
    const overlap = await save(bob, `${PREFIX}ov_x`, compose());
    expect([overlap.status, overlap.body.code]).toEqual([409, 40912]);
    expect(overlap.body.message).toContain('共用命名空间');
    await saveOk(alice, `${PREFIX}ov_x`); // her own stacks may nest

    const carol = await register();
    for (let i = 0; i < 6; i++) await saveOk(carol, `${PREFIX}-c${i}`);
    const over = await save(carol, `${PREFIX}-c6`, compose());
    expect([over.status, over.body.code]).toEqual([403, 40304]);
  });

  it('a USER joins an allowed shared network and publishes a port in range', async () => {
    const stack = `${PREFIX}-net`;
    const script = await saveOk(
      alice,
      stack,
      compose({ service: ['networks: [proxy, default]', 'ports: [{target: 80, published: 30981, mode: host}]'], top: ['networks:', `  proxy: {external: true, name: ${SHARED_NETWORK}}`] }),
    );
    expect((await call(alice, 'PUT', `/web/user/script/${script.id}/createService`)).body.code).toBe(0);
    const networkId = docker('network', 'inspect', '--format', '{{.ID}}', SHARED_NETWORK).trim();
    const attached = JSON.parse(docker('service', 'inspect', '--format', '{{json .Spec.TaskTemplate.Networks}}', `${stack}_web`)) as { Target: string }[];
    expect(attached.map((n) => n.Target)).toContain(networkId);
    expect(serviceLabels(`${stack}_web`)).toMatchObject({ 'dds.script': String(script.id), 'dds.owner': String(alice.id) });
  });

  it("a USER's stack secret reaches the container, changes with a rolling update, and is never shown, logged or stored", async () => {
    const stack = `${PREFIX}-sec`;
    const withSecret = compose({ service: ['secrets: [db_password]'], top: ['secrets:', '  db_password:', '    external: true'] });
    expect((await save(alice, stack, withSecret)).body.code).toBe(40025); // not a stack secret yet
    const script = await saveOk(alice, stack);

    const set = await call(alice, 'PUT', `/web/user/script/${script.id}/secrets/db_password`, { value: SECRET_VALUES[0] });
    expect(set.body).toMatchObject({ code: 0, data: { name: 'db_password', deploymentId: null } });
    expect((await call(bob, 'PUT', `/web/user/script/${script.id}/secrets/db_password`, { value: 'x' })).body.code).toBe(40410);
    expect((await call(bob, 'GET', `/web/user/script/${script.id}/secrets`)).body.code).toBe(40410);

    expect((await call(alice, 'PUT', `/web/user/script/${script.id}`, { dockerComposeContent: withSecret })).body.code).toBe(0);
    expect((await call(alice, 'PUT', `/web/user/script/${script.id}/createService`)).body.code).toBe(0);
    const readSecret = () => {
      const [container] = serviceContainers(`${stack}_web`);
      return container ? spawnSync('docker', ['exec', container, 'cat', '/run/secrets/db_password'], { encoding: 'utf8' }).stdout : '';
    };
    await eventually(() => readSecret() === SECRET_VALUES[0], 'the container to read the first value', 60_000);

    const changed = await call(alice, 'PUT', `/web/user/script/${script.id}/secrets/db_password`, { value: SECRET_VALUES[1] });
    expect(changed.body.data.deploymentId).toEqual(expect.any(Number));
    await eventually(async () => (await call(alice, 'GET', `/web/user/deployments/${changed.body.data.deploymentId}`)).body.data.status === 'succeeded', 'the redeployment', 60_000);
    await eventually(() => readSecret() === SECRET_VALUES[1], 'the container to read the new value', 60_000);

    const listed = await call(alice, 'GET', `/web/user/script/${script.id}/secrets`);
    expect(listed.body.data).toEqual([{ name: 'db_password', createdAt: expect.any(String), updatedAt: expect.any(String) }]);
    const inUse = await call(alice, 'DELETE', `/web/user/script/${script.id}/secrets/db_password`);
    expect([inUse.status, inUse.body.code]).toEqual([409, 40900]);

    const everywhere = [seen.join('\n'), app.output(), await dumpDatabase(databaseUrl)];
    for (const value of SECRET_VALUES) for (const place of everywhere) expect(place).not.toContain(value);
    expect(app.output()).toContain('/secrets/db_password'); // the log does record the request itself
  });

  it('answers hostile input to the new routes with a clear 4xx and changes nothing', async () => {
    const script = await saveOk(bob, `${PREFIX}-hostile`);
    const base = `/web/user/script/${script.id}`;
    for (const name of ['..%2F..%2Fetc', 'a%20b', '-rf', 'x'.repeat(25), '%24(id)']) {
      const res = await call(bob, 'PUT', `${base}/secrets/${name}`, { value: 'v' });
      expect({ name, status: res.status, code: res.body.code }).toEqual({ name, status: 404, code: 40411 });
    }
    for (const body of [{}, { value: '' }, { value: 42 }, { value: ['x'] }, { value: 'v', extra: 1 }]) {
      const res = await call(bob, 'PUT', `${base}/secrets/ok`, body);
      expect({ body, status: res.status, code: res.body.code }).toEqual({ body, status: 400, code: 40000 });
    }
    expect((await call(bob, 'PUT', `${base}/secrets/ok`, { value: 'x'.repeat(600 * 1024) })).body.code).toBe(40000); // over 500 KiB
    expect((await call(bob, 'GET', `${base}/secrets`)).body.data).toEqual([]);
    expect((await call(bob, 'DELETE', `${base}/secrets/missing`)).body.code).toBe(40411);
    expect((await call(admin, 'PUT', `/web/user/script/abc/adopt`)).status).toBe(404);
    // An ADMIN adopts into their own scripts only: another user's script is not found.
    expect((await call(admin, 'PUT', `${base}/adopt`)).body.code).toBe(40410);
    expect((await call(admin, 'GET', `${base}/secrets`)).body.code).toBe(40410);
  });

  it("never lists another user's deployments, not even with ?scriptId= of theirs, nor after their script is deleted", async () => {
    const hers = await saveOk(alice, `${PREFIX}-dl`);
    const his = await saveOk(bob, `${PREFIX}-dlb`);
    // Removing a stack that is not deployed is a quick deployment that succeeds.
    for (const [who, script] of [[alice, hers], [bob, his]] as const) expect((await call(who, 'PUT', `/web/user/script/${script.id}/removeService`)).body.code).toBe(0);
    const listed = async (who: Login, query = '') => (await call(who, 'GET', `/web/user/deployments?pageSize=200${query}`)).body.data.content as { id: number; scriptId: number | null }[];
    const [herDeployment] = await listed(alice, `&scriptId=${hers.id}`);
    expect(herDeployment).toMatchObject({ scriptId: hers.id, action: 'remove', status: 'succeeded' });
    expect((await listed(bob)).map((d) => d.id)).toContain((await listed(bob, `&scriptId=${his.id}`))[0].id);

    const hersOnly = async () => new Set((await listed(alice)).map((d) => d.id));
    for (const other of [bob, admin]) {
      const seen = await listed(other);
      const mine = await hersOnly();
      expect(seen.filter((d) => mine.has(d.id))).toEqual([]);
      expect(await listed(other, `&scriptId=${hers.id}`)).toEqual([]);
      expect((await call(other, 'GET', `/web/user/deployments?scriptId=${hers.id}&status=succeeded`)).body.data.totalElements).toBe(0);
    }
    // Deleted, her script's deployments stay hers (scriptId null), and still no one else's.
    expect((await call(alice, 'DELETE', `/web/user/script/${hers.id}`)).body.code).toBe(0);
    expect((await listed(alice)).find((d) => d.id === herDeployment.id)).toMatchObject({ scriptId: null });
    for (const other of [bob, admin]) expect((await listed(other)).map((d) => d.id)).not.toContain(herDeployment.id);
  });

  it('refuses to save for a USER when docker cannot say who owns the name', async () => {
    const blind = await startAppProcess('tenancy-blind', build!.mainJs, {
      DATABASE_URL: databaseUrl,
      JWT_SECRET: 'tenancy-e2e-secret-tenancy-e2e-secret-0123',
      DOCKER_HOST: 'unix:///nonexistent/docker.sock',
    });
    try {
      const res = await blind.request('POST', '/web/user/script', {
        token: alice.authorization,
        body: { serviceName: `${PREFIX}-blind`, dockerComposeContent: compose() },
      });
      expect([res.status, res.body.code]).toEqual([503, 50300]);
      expect(res.body.message).toContain('无法确认栈');
    } finally {
      await blind.stop();
    }
  });
});
