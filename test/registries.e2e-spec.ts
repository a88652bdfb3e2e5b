/**
 * Private registries for real: a Distribution registry with htpasswd on 127.0.0.1, credentials saved
 * through the API (checked by a real `docker login`), stacks deployed and rolled from it by real
 * pushes and webhooks, pinned to digests. The app runs as its own process so its whole output, the
 * process list during operations, its database and its files can be searched for the password.
 */
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../bench/lib/processes';
import { AppProcess, compileApp, startAppProcess } from './support/app-process';
import { createTestDatabase, dumpDatabase } from './support/databases';
import { eventually } from './support/packaging';
import { startRegistry, TestRegistry } from './support/registry';
import { haloCompose } from './support/rollouts';
import { registerAndLogin, uniqueName } from './support/test-app';
import { assertSwarm, buildImageVariant, docker, removeStacks } from './support/test-images';

const PREFIX = `rg${randomBytes(3).toString('hex')}`;
const LOGIN = { username: 'alice', password: `pw-${randomBytes(16).toString('hex')}` };
const STACK = `${PREFIX}-app`;
const SERVICE = `${STACK}_halo`;

interface Login {
  role: string;
  authorization: string;
}

const specImage = (service: string) => JSON.parse(docker('service', 'inspect', '--format', '{{json .Spec.TaskTemplate.ContainerSpec.Image}}', service)) as string;
/** Changes whenever anything touches the service. */
const specVersion = (service: string) => docker('service', 'inspect', '--format', '{{.Version.Index}}', service).trim();

/** Every command line on this machine, sampled until stopped (a password must never be on one). */
function watchProcessList(): { stop: () => Promise<string[]> } {
  const seen = new Set<string>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const out = await new Promise<string>((resolve) => execFile('ps', ['-eo', 'args'], { maxBuffer: 8 << 20 }, (_, stdout) => resolve(stdout ?? '')));
      for (const line of out.split('\n')) seen.add(line);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return [...seen];
    },
  };
}

/** Every file under `dir`, as text. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => readFileSync(path, 'latin1'));
}

describe('private registries, pinned digests', () => {
  let build: ReturnType<typeof compileApp> | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;
  let databaseUrl: string;
  let app: AppProcess;
  let registry: TestRegistry | undefined;
  let admin: Login;
  let bob: Login;
  let repo: string;
  let scriptId: number;
  let webhookPath: string;
  /** The test's own docker config, logged in to push. */
  let pusherConfig: string;
  /** Every response body this suite received, and every command line seen during operations. */
  const seen: string[] = [];

  const call = async (who: Login | undefined, method: string, path: string, body?: unknown) => {
    const res = await app.request(method, path, { token: who?.authorization, body });
    seen.push(JSON.stringify(res.body));
    return res;
  };
  const register = (): Promise<Login> => registerAndLogin(app, uniqueName('rg'));
  /** Pushes a new image as `repo:tag` and returns its digest; the local tag is removed so tasks must pull. */
  function push(tag: string, variant: string): string {
    const ref = buildImageVariant(`${repo}:${tag}`, variant);
    const res = spawnSync('docker', ['--config', pusherConfig, 'push', ref], { encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`docker push ${ref} failed: ${res.stderr}`);
    const digest = /digest: (sha256:[a-f0-9]{64})/.exec(res.stdout)?.[1];
    if (!digest) throw new Error(`no digest in the output of docker push: ${res.stdout}`);
    docker('rmi', ref);
    return digest;
  }
  const deployments = async () => (await call(admin, 'GET', `/web/user/script/${scriptId}/deployments`)).body.data.content as Record<string, unknown>[];
  const settled = async (match: (d: Record<string, unknown>) => boolean) => {
    let found: Record<string, unknown> | undefined;
    await eventually(async () => {
      found = (await deployments()).find(match);
      return found !== undefined && !['queued', 'running'].includes(found.status as string);
    }, 'the deployment to finish', 90_000);
    return found!;
  };
  const setAutoUpdate = async (on: boolean) =>
    expect((await call(admin, 'PUT', `/web/user/script/${scriptId}`, { isAutoUpdate: on ? 1 : 0 })).body.code).toBe(0);

  beforeAll(async () => {
    assertSwarm();
    build = compileApp();
    const db = await createTestDatabase();
    dropDatabase = db.drop;
    databaseUrl = db.url;
    app = await startAppProcess('registries', build.mainJs, {
      DATABASE_URL: db.url,
      LOG_LEVEL: 'trace',
      JWT_SECRET: 'registries-e2e-secret-registries-e2e-0123',
      REGISTRATION: 'open',
      AUTH_RATE_LIMIT_PER_ADDRESS: '100000',
      AUTH_RATE_LIMIT_PER_USERNAME: '100000',
      DEPLOY_TIMEOUT_SECONDS: '120',
      WEBHOOK_WAIT_SECONDS: '60',
      PIN_DIGESTS: 'true',
      REGISTRY_TIMEOUT_SECONDS: '5',
    });
    admin = await register();
    bob = await register();
    expect([admin.role, bob.role]).toEqual(['ADMIN', 'USER']);

    // The image's host names the registry's port, so the port is chosen before the script is saved;
    // the script's webhook URL (with its token) is then where the registry sends its notifications.
    const port = await freePort();
    repo = `127.0.0.1:${port}/${PREFIX}/web`;
    const saved = await call(admin, 'POST', '/web/user/script', { serviceName: STACK, dockerComposeContent: haloCompose(`${repo}:v1`), isAutoUpdate: 1 });
    expect(saved.body.code).toBe(0);
    scriptId = saved.body.data.id;
    const url = new URL(saved.body.data.autoUpdateUrl);
    webhookPath = `${url.pathname}${url.search}`;
    registry = await startRegistry(`${app.url}${webhookPath}`, { login: LOGIN, port });
    pusherConfig = mkdtempSync(join(tmpdir(), 'dds-pusher-'));
    const login = spawnSync('docker', ['--config', pusherConfig, 'login', '--username', LOGIN.username, '--password-stdin', registry.host], { input: LOGIN.password, encoding: 'utf8' });
    if (login.status !== 0) throw new Error(`docker login to the test registry failed: ${login.stderr}`);
    push('v1', 'one');
  }, 300_000);

  afterAll(async () => {
    removeStacks(PREFIX);
    await app?.stop();
    await registry?.stop();
    if (pusherConfig) rmSync(pusherConfig, { recursive: true, force: true });
    await dropDatabase?.();
    build?.remove();
  });

  it('refuses a wrong credential with the registry\'s reason, and saves nothing', async () => {
    const res = await call(admin, 'POST', '/web/user/registries', { host: registry!.host, username: LOGIN.username, password: 'not-the-password' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(40050);
    expect(res.body.message).toContain(registry!.host);
    expect(res.body.message).toMatch(/401|unauthorized/i);
    expect((await call(admin, 'GET', '/web/user/registries')).body.data).toEqual([]);
  });

  it('refuses hostile input with a clear 400 and saves nothing', async () => {
    for (const body of [
      { host: '--help', username: 'a', password: 'b' },
      { host: 'a b', username: 'a', password: 'b' },
      { host: registry!.host, username: '--password=x', password: 'b\nc' },
      { host: registry!.host, username: 'a b', password: 'b' },
      { host: registry!.host, username: 'a', password: '' },
      { host: registry!.host, username: 'a', password: 'b', shared: 'yes' },
      { host: 42, username: 'a', password: 'b' },
    ]) {
      const res = await call(admin, 'POST', '/web/user/registries', body);
      expect({ body, status: res.status, code: res.body.code }).toEqual({ body, status: 400, code: 40000 });
    }
    const shared = await call(bob, 'POST', '/web/user/registries', { host: registry!.host, username: LOGIN.username, password: LOGIN.password, shared: true });
    expect(shared.body.code).toBe(40300);
    expect((await call(admin, 'GET', '/web/user/registries/abc')).body.code).toBe(40440);
    expect((await call(admin, 'GET', '/web/user/registries')).body.data).toEqual([]);
  });

  it('saves the right credential after a real login, and never returns the password', async () => {
    const res = await call(admin, 'POST', '/web/user/registries', { host: `http://${registry!.host}/v2/`, username: LOGIN.username, password: LOGIN.password });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ code: 0, data: { host: registry!.host, username: LOGIN.username, shared: false, lastUsedAt: null, lastUseOk: null } });
    expect(Object.keys(res.body.data).sort()).toEqual(['createdAt', 'host', 'id', 'lastUseError', 'lastUseOk', 'lastUsedAt', 'savedBy', 'shared', 'updatedAt', 'username']);
    const again = await call(admin, 'POST', '/web/user/registries', { host: registry!.host, username: LOGIN.username, password: LOGIN.password });
    expect(again.body.code).toBe(40940);
    // Another user neither sees it nor can use it.
    expect((await call(bob, 'GET', '/web/user/registries')).body.data).toEqual([]);
    expect((await call(bob, 'GET', `/web/user/registries/${res.body.data.id}`)).body.code).toBe(40440);
    expect((await call(bob, 'DELETE', `/web/user/registries/${res.body.data.id}`)).body.code).toBe(40440);
  });

  it('deploys a stack whose image lives only in the private registry, with no password on any command line', async () => {
    const watch = watchProcessList();
    const res = await call(admin, 'PUT', `/web/user/script/${scriptId}/createService`);
    seen.push(...(await watch.stop()));
    expect(res.body.code).toBe(0);
    // docker stack deploy resolved the tag with the credential and pinned the digest on the service.
    expect(specImage(SERVICE)).toMatch(new RegExp(`^${repo.replace(/[.]/g, '\\.')}:v1@sha256:[a-f0-9]{64}$`));
    await eventually(() => docker('service', 'ps', '--filter', 'desired-state=running', '--format', '{{.CurrentState}}', SERVICE).startsWith('Running'), 'the task to pull and run', 60_000);
  });

  it('rolls a real push through the registry\'s webhook, pinned to the pushed digest', async () => {
    const digest = push('v2', 'two');
    const d = await settled((x) => x.tag === 'v2');
    expect(d).toMatchObject({ trigger: 'webhook', status: 'succeeded', digest });
    expect(specImage(SERVICE)).toBe(`${repo}:v2@${digest}`);
    const [credential] = (await call(admin, 'GET', '/web/user/registries')).body.data;
    expect(credential).toMatchObject({ lastUseOk: true, lastUseError: null });
    expect(credential.lastUsedAt).not.toBeNull();
  });

  it('a manual update resolves and pins the tag\'s digest; moving the tag afterwards does not change what runs', async () => {
    await setAutoUpdate(false);
    const digest = push('v3', 'three');
    const watch = watchProcessList();
    const res = await call(admin, 'PUT', `/web/user/script/${scriptId}/updateService`, { repository: repo, tag: 'v3' });
    seen.push(...(await watch.stop()));
    expect(res.body.code).toBe(0);
    expect(res.body.data.join('\n')).toContain(`${repo}:v3 is ${digest} in the registry`);
    expect((await deployments())[0]).toMatchObject({ trigger: 'manual', tag: 'v3', status: 'succeeded', digest });
    expect(specImage(SERVICE)).toBe(`${repo}:v3@${digest}`);

    const version = specVersion(SERVICE);
    const moved = push('v3', 'three-moved');
    expect(moved).not.toBe(digest);
    await new Promise((r) => setTimeout(r, 3000));
    expect(specImage(SERVICE)).toBe(`${repo}:v3@${digest}`);
    expect(specVersion(SERVICE)).toBe(version);
    const tasks = docker('service', 'ps', '-q', '--filter', 'desired-state=running', SERVICE).trim().split('\n');
    expect(tasks.map((task) => docker('inspect', '--format', '{{.Spec.ContainerSpec.Image}}', task).trim())).toEqual([`${repo}:v3@${digest}`]);
  });

  it('a push naming a digest the registry does not hold under that tag runs nothing (forged or stale)', async () => {
    await setAutoUpdate(true);
    const version = specVersion(SERVICE);
    const current = push('v4', 'four');
    await settled((x) => x.tag === 'v4');
    const after = specVersion(SERVICE);
    for (const digest of [`sha256:${randomBytes(32).toString('hex')}`, (await deployments()).find((x) => x.tag === 'v3')!.digest as string]) {
      const forged = {
        events: [
          {
            id: randomBytes(8).toString('hex'),
            timestamp: new Date().toISOString(),
            action: 'push',
            target: { mediaType: 'application/vnd.docker.distribution.manifest.v2+json', repository: `${PREFIX}/web`, tag: 'v3', digest, size: 527 },
            request: { host: registry!.host, method: 'PUT' },
          },
        ],
      };
      await app.request('POST', webhookPath, { body: forged, headers: { 'content-type': 'application/vnd.docker.distribution.events.v1+json' } });
      const d = await settled((x) => x.tag === 'v3' && x.digest === digest && x.trigger === 'webhook');
      expect(d).toMatchObject({ status: 'failed', errorCode: 40941 });
      expect(d.error).toContain('not the pushed');
    }
    expect(version).not.toBe(after);
    expect(specVersion(SERVICE)).toBe(after);
    expect(specImage(SERVICE)).toBe(`${repo}:v4@${current}`);
  });

  it('a user without a credential for the registry cannot use another user\'s', async () => {
    const saved = await call(bob, 'POST', '/web/user/script', { serviceName: `${PREFIX}-bob`, dockerComposeContent: haloCompose(`${repo}:v1`), isAutoUpdate: 0 });
    expect(saved.body.code).toBe(0);
    const res = await call(bob, 'PUT', `/web/user/script/${saved.body.data.id}/updateService`, { repository: repo, tag: 'v1' });
    expect(res.body.code).toBe(40050);
    expect(res.body.message).toContain('POST /web/user/registries');

    // An ADMIN's shared credential for the host serves every user: the lookup now passes, and the
    // update stops only because bob's stack is not deployed.
    const shared = await call(admin, 'POST', '/web/user/registries', { host: registry!.host, username: LOGIN.username, password: LOGIN.password, shared: true });
    expect(shared.body).toMatchObject({ code: 0, data: { shared: true } });
    expect((await call(bob, 'GET', '/web/user/registries')).body.data).toEqual([expect.objectContaining({ id: shared.body.data.id, shared: true })]);
    expect((await call(bob, 'DELETE', `/web/user/registries/${shared.body.data.id}`)).body.code).toBe(40300);
    const again = await call(bob, 'PUT', `/web/user/script/${saved.body.data.id}/updateService`, { repository: repo, tag: 'v1' });
    expect(again.body.code).toBe(40920);
    expect((await call(admin, 'DELETE', `/web/user/registries/${shared.body.data.id}`)).body.code).toBe(0);
  });

  it('a registry that cannot be reached fails clearly, is recorded, and runs nothing', async () => {
    const version = specVersion(SERVICE);
    await registry!.stop();
    registry = undefined;
    const res = await call(admin, 'PUT', `/web/user/script/${scriptId}/updateService`, { repository: repo, tag: 'v2' });
    expect(res.status).toBe(502);
    expect(res.body.code).toBe(50240);
    expect(res.body.message).toContain('cannot reach');
    expect((await deployments())[0]).toMatchObject({ tag: 'v2', status: 'failed', errorCode: 50240 });
    expect(specVersion(SERVICE)).toBe(version);
  });

  it('the password is in no response, log line, command line, database row or file left behind', async () => {
    const encoded = Buffer.from(`${LOGIN.username}:${LOGIN.password}`).toString('base64');
    const places = {
      responses: seen.join('\n'),
      log: app.fullOutput(),
      database: await dumpDatabase(databaseUrl),
      dataDir: filesUnder(app.dataDir).join('\n'),
    };
    expect(places.log.length).toBeGreaterThan(1000); // trace logging did log the operations
    expect(places.database).toContain('registry_credentials');
    for (const [where, text] of Object.entries(places)) {
      expect({ where, password: text.includes(LOGIN.password), encoded: text.includes(encoded) }).toEqual({ where, password: false, encoded: false });
    }
    // No per-operation docker config is left anywhere.
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith(`dds-docker-config-${app.pid}-`))).toEqual([]);
  });
});
