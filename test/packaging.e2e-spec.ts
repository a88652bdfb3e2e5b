/**
 * The image and deploy/stack.yml, for real: builds the image from ./Dockerfile on a base assembled from
 * this machine's own Node runtime (nothing can be pulled here: deploy/build-image.sh --offline), deploys
 * the stack on the real single-node swarm and drives it over its published port, as a user would.
 * Slow (a minute or two), so it runs once per `npm test`: in the SQLite pass (test/jest-e2e.config.js).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { GOOD_PASSWORD } from './support/test-app';
import { assertSwarm, docker, ensureTestImage, removeStacks } from './support/test-images';
import { freePort, productionStart } from '../bench/lib/processes';
import { ApiClient, eventually, removeStackAndVolumes, serviceContainers, sh } from './support/packaging';

const ID = `ddspkg${Date.now().toString(36).slice(-6)}`;
const IMAGE = `dds-pkg-${ID}:test`;
const STACK = ID;
const APP_SERVICE = `${STACK}_app`;
const SECRET = `${ID}_jwt`;
const KEY_SECRET = `${ID}_key`;
const METRICS_TOKEN = randomBytes(24).toString('hex');
const TEST_IMAGE = `dds-pkg-e2e/${ID}`;
const ROOT = join(__dirname, '..');

describe('the image and deploy/stack.yml on a real swarm (SQLite)', () => {
  let port: number;
  let api: ApiClient;
  let admin: { authorization: string; id: number };

  beforeAll(async () => {
    assertSwarm();
    const build = spawnSync('bash', [join(ROOT, 'deploy/build-image.sh'), '--offline', IMAGE], { encoding: 'utf8', timeout: 600_000 });
    if (build.status !== 0) throw new Error(`deploy/build-image.sh failed (${build.status}): ${build.stderr}`);
    console.log(build.stdout.trim()); // the image size, for the record

    port = await freePort('0.0.0.0'); // host-mode publishing binds every address
    api = new ApiClient(`http://127.0.0.1:${port}`);
    sh('docker', ['secret', 'create', SECRET, '-'], randomBytes(32).toString('hex'));
    sh('docker', ['secret', 'create', KEY_SECRET, '-'], randomBytes(32).toString('base64'));
    const env = {
      ...process.env,
      DDS_IMAGE: IMAGE,
      DDS_PORT: String(port),
      // This kernel has no IPVS: the routing mesh cannot answer here (see shared/toolchain.md).
      DDS_PUBLISH_MODE: 'host',
      DDS_PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      DDS_REGISTRATION: 'open',
      DDS_METRICS_TOKEN: METRICS_TOKEN,
      DDS_JWT_SECRET_NAME: SECRET,
      DDS_SECRETS_KEY_NAME: KEY_SECRET,
      // The rolled test images exist only on this engine, under registry hosts that must not be contacted.
      DDS_PIN_DIGESTS: 'false',
    };
    const deploy = spawnSync('docker', ['stack', 'deploy', '-c', join(ROOT, 'deploy/stack.yml'), STACK], { encoding: 'utf8', env });
    if (deploy.status !== 0) throw new Error(`docker stack deploy failed: ${deploy.stderr}`);
    await eventually(async () => (await api.get('/health/ready').catch(() => undefined))?.status === 200, 'the stack to answer /health/ready', 120_000);
    await eventually(() => sh('docker', ['ps', '--filter', `label=com.docker.swarm.service.name=${APP_SERVICE}`, '--format', '{{.Status}}']).includes('(healthy)'), 'the image HEALTHCHECK to pass', 90_000);
  }, 900_000);

  afterAll(async () => {
    removeStacks(`${ID}-`);
    await removeStackAndVolumes(STACK);
    spawnSync('docker', ['secret', 'rm', SECRET, KEY_SECRET]);
    spawnSync('docker', ['image', 'rm', IMAGE]);
  }, 120_000);

  it('holds the compiled app only: no TypeScript, no dev dependencies; health check, stop signal, /data volume', () => {
    const config = JSON.parse(docker('image', 'inspect', '--format', '{{json .Config}}', IMAGE));
    expect(config.Healthcheck.Test.join(' ')).toContain('/health/live');
    expect(config.StopSignal).toBe('SIGTERM');
    expect(Object.keys(config.Volumes)).toEqual(['/data']);
    expect(config.Env).toEqual(expect.arrayContaining(['NODE_ENV=production', 'DATA_DIR=/data']));
    // Started as `npm run start:prod` starts the app (what the bench measures): same node flags and variables.
    const start = productionStart();
    expect(config.Entrypoint).toEqual(['node', ...start.nodeArgs, 'dist/src/docker-entrypoint.js']);
    expect(config.Env).toEqual(expect.arrayContaining(Object.entries(start.env).map(([name, value]) => `${name}=${value}`)));

    // Dev-only packages: devDependencies that nothing in the production tree needs (@types/node is both).
    const production = new Set(sh('npm', ['ls', '--omit=dev', '--all', '--parseable'], undefined, ROOT).split('\n').map((p) => p.split('/node_modules/').pop()));
    const devOnly = Object.keys(require('../package.json').devDependencies).filter((dev) => !production.has(dev));
    expect(devOnly).toEqual(expect.arrayContaining(['jest', 'typescript', 'ts-jest', '@nestjs/testing']));
    const listing = docker('run', '--rm', '--entrypoint', 'sh', IMAGE, '-c',
      `ls /app; echo ---; cd /app/node_modules && ls -d ${devOnly.join(' ')} 2>/dev/null; echo ---; find /app -name "*.ts" | head -5; echo ---; docker --version; echo ---; ` +
        `grep -c 'require("./app.factory")' /app/dist/src/main.js; wc -c < /app/dist/src/main.js`);
    const [top, presentDevOnly, tsFiles, cli, main] = listing.split('---\n');
    expect(top.trim().split('\n').sort()).toEqual(['dist', 'node_modules', 'package.json']);
    expect(presentDevOnly.trim()).toBe('');
    expect(tsFiles.trim()).toBe('');
    expect(cli).toMatch(/^Docker version \d+/);
    // dist/src/main.js is the bundle (build/bundle.mjs), not tsc's few lines that require the rest.
    const [tscRequires, bytes] = main.trim().split('\n').map(Number);
    expect(tscRequires).toBe(0);
    expect(bytes).toBeGreaterThan(2_000_000);
  });

  it('runs the app as uid 1000 with the docker socket group, and as PID 1', () => {
    const [container] = serviceContainers(APP_SERVICE);
    const status = docker('exec', container, 'cat', '/proc/1/status');
    expect(status).toMatch(/^Uid:\s+1000\s+1000\s+1000\s+1000$/m);
    expect(status).toMatch(/^Gid:\s+1000\s+1000\s+1000\s+1000$/m);
    const groups = /^Groups:\s*(.*)$/m.exec(status)![1].trim().split(/\s+/).map(Number);
    expect(groups).toContain(statSync('/var/run/docker.sock').gid);
    expect(groups).not.toContain(0);
    expect(docker('exec', container, 'cat', '/proc/1/cmdline').split('\0')).toEqual(['node', ...productionStart().nodeArgs, 'dist/src/docker-entrypoint.js', '']);
  });

  it('answers over the published port: the dashboard, register, log in, the OpenAPI document, metrics with the token', async () => {
    const page = await fetch(`${api.baseUrl}/scripts`);
    expect(page.status).toBe(200);
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(await page.text())?.[1];
    expect((await fetch(`${api.baseUrl}${asset}`)).status).toBe(200);

    const reg = await api.post('/web/user/login/registered', { username: 'packager', password: GOOD_PASSWORD, name: 'packager', phone: '15159845510' });
    expect(reg.body).toMatchObject({ code: 0, data: { role: 'ADMIN' } });
    const login = await api.post('/web/user/login', { username: 'packager', password: GOOD_PASSWORD });
    expect(login.body.code).toBe(0);
    admin = login.body.data;

    const doc = await api.get('/docs-json');
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/web/user/login', '/web/user/script/{scriptId}/updateService', '/metrics']));
    expect(doc.body.components.schemas.RegisterDto.properties.username.example).toBe('aatrox'); // DTO class names survive the bundle
    // Swagger UI's page and its assets, which come from swagger-ui-dist's own folder (outside the bundle).
    const swaggerPage = await fetch(`${api.baseUrl}/docs`);
    expect(swaggerPage.status).toBe(200);
    expect((await fetch(`${api.baseUrl}/docs/swagger-ui-bundle.js`)).status).toBe(200);

    expect((await api.get('/metrics')).status).toBe(401);
    const metrics = await fetch(`${api.baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^http_requests_total\{method="POST",route="\/web\/user\/login",status_code="200"\} 1$/m);
  });

  it('knows the stack it runs in: no USER may save a script of that name', async () => {
    await api.post('/web/user/login/registered', { username: 'stranger', password: GOOD_PASSWORD, name: 'stranger', phone: '15159845510' });
    const user = (await api.post('/web/user/login', { username: 'stranger', password: GOOD_PASSWORD })).body.data;
    expect(user.role).toBe('USER');
    const res = await api.post('/web/user/script', { serviceName: STACK, dockerComposeContent: 'services:\n  app:\n    image: nginx:1\n' }, user.authorization);
    expect([res.status, res.body.code]).toEqual([409, 40913]);
  });

  it('deploys a stack through the host docker socket and rolls it by updateService', async () => {
    for (const tag of ['1', '2']) ensureTestImage(`${TEST_IMAGE}:${tag}`);
    const stack = `${ID}-web`;
    const service = `${stack}_web`;
    const compose = `services:\n  web:\n    image: ${TEST_IMAGE}:1\n    stop_grace_period: 1s\n    deploy:\n      update_config: {monitor: 2s}\n`;
    const saved = await api.post('/web/user/script', { serviceName: stack, dockerComposeContent: compose, isAutoUpdate: 1 }, admin.authorization);
    expect(saved.body).toMatchObject({ code: 0, data: { serviceName: stack } });
    const id = saved.body.data.id;

    const created = await api.put(`/web/user/script/${id}/createService`, undefined, admin.authorization);
    expect(created.body).toEqual({ code: 0, message: '成功', data: `Creating network ${stack}_default\nCreating service ${service}` });
    await eventually(() => sh('docker', ['service', 'ps', '--filter', 'desired-state=running', '--format', '{{.CurrentState}}', service]).startsWith('Running'), 'the test stack to run');

    const updated = await api.put(`/web/user/script/${id}/updateService`, { repository: TEST_IMAGE, tag: '2' }, admin.authorization);
    expect(updated.body.code).toBe(0);
    expect(updated.body.data).toEqual(expect.arrayContaining([`verify: Service ${service} converged`]));
    expect(JSON.parse(docker('service', 'inspect', '--format', '{{json .Spec.TaskTemplate.ContainerSpec.Image}}', service))).toBe(`${TEST_IMAGE}:2`);

    const history = await api.get(`/web/user/script/${id}/deployments`, admin.authorization);
    expect(history.body.data.content.map((d: { action: string; status: string }) => [d.action, d.status])).toEqual([
      ['update', 'succeeded'],
      ['create', 'succeeded'],
    ]);
  });

  it('stops on SIGTERM with exit code 0, and keeps its data in the volume across a restart', async () => {
    const [container] = serviceContainers(APP_SERVICE);
    docker('service', 'scale', '--detach', `${APP_SERVICE}=0`);
    await eventually(() => JSON.parse(docker('inspect', '--format', '{{json .State.Running}}', container)) === false, 'the app container to stop', 60_000);
    expect(docker('inspect', '--format', '{{.State.ExitCode}}', container).trim()).toBe('0');
    const logs = spawnSync('docker', ['logs', container], { encoding: 'utf8' });
    expect(logs.stdout).toMatch(/"msg":"SIGTERM received: no new requests/);
    expect(logs.stdout).toMatch(/"msg":"stopped"/);

    docker('service', 'scale', '--detach', `${APP_SERVICE}=1`);
    await eventually(async () => (await api.get('/health/ready').catch(() => undefined))?.status === 200, 'the app to come back', 120_000);
    const again = await api.post('/web/user/login', { username: 'packager', password: GOOD_PASSWORD });
    expect(again.body).toMatchObject({ code: 0, data: { role: 'ADMIN' } });
  });
});

describe('deploy/stack.mysql.yml', () => {
  // MariaDB's image cannot be pulled on these machines, so this stack is checked the way docker itself
  // would read it (client-side `docker stack config`), not deployed; the two-replica behaviour on one
  // MariaDB is proven by test/replicas.e2e-spec.ts.
  it('is a stack file docker accepts: two app replicas on managers, secrets as files, MariaDB beside them', () => {
    const config = parse(sh('docker', ['stack', 'config', '-c', join(ROOT, 'deploy/stack.mysql.yml')]));
    const { app, db } = config.services;
    expect(app.deploy).toMatchObject({ replicas: 2, placement: { constraints: ['node.role == manager'] }, update_config: { failure_action: 'rollback' } });
    expect(app.environment).toMatchObject({
      NODE_ENV: 'production',
      JWT_SECRET_FILE: '/run/secrets/dds_jwt_secret',
      SECRETS_KEY_FILE: '/run/secrets/dds_secrets_key',
      PIN_DIGESTS: 'true',
      DATABASE_PASSWORD_FILE: '/run/secrets/dds_db_password',
      DATABASE_URL: 'mysql://dds@db:3306/dds',
    });
    expect(app.volumes).toEqual(expect.arrayContaining([expect.objectContaining({ source: '/var/run/docker.sock', target: '/var/run/docker.sock' })]));
    expect(db.environment).toMatchObject({ MARIADB_PASSWORD_FILE: '/run/secrets/dds_db_password', MARIADB_DATABASE: 'dds', MARIADB_USER: 'dds' });
    expect(config.secrets).toMatchObject({ dds_jwt_secret: { external: true }, dds_db_password: { external: true } });
  });
});
