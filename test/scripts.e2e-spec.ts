import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { Deployment } from '../src/deployments/entities/deployment.entity';
import { ScriptsService } from '../src/scripts/scripts.service';
import { assertSwarm, docker, ensureTestImage, removeStacks } from './support/test-images';
import { registerAndLogin, startTestApp, TestApp } from './support/test-app';

type Login = Awaited<ReturnType<typeof registerAndLogin>>;

/** Stack names are global on the swarm both database runs share: every name starts with this. */
const PREFIX = `t${Date.now().toString(36).slice(-5)}${Math.floor(Math.random() * 1296).toString(36)}`;
let seq = 0;
const stackName = (suffix = '') => `${PREFIX}${(seq++).toString(36)}${suffix}`;
const compose = (image = 'registry.cn-shanghai.aliyuncs.com/pongsky/halo:prod-1.4.6', extra = '') =>
  `services:\n  halo:\n    image: ${image}\n${extra}`;
const PUBLIC_BASE_URL = 'https://dds.example.com';
/** What the detail adds for a script never deployed. */
const NOT_DEPLOYED = { stack: { deployed: false, services: [] }, stackError: null, lastDeployment: null };

/** A docker CLI in a temp dir: a shell script that may answer some commands itself. */
function fakeDocker(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'dds-fake-docker-'));
  writeFileSync(join(dir, 'docker'), `#!/bin/sh\n${body}\n`);
  chmodSync(join(dir, 'docker'), 0o755);
  return join(dir, 'docker');
}

/** The deployments of a stack, oldest first, read from the database (they outlive the script). */
const stackHistory = (t: TestApp, stack: string) => t.app.get(DataSource).getRepository(Deployment).find({ where: { serviceName: stack }, order: { id: 'ASC' } });

describe('scripts', () => {
  let t: TestApp;
  let admin: Login;
  let alice: Login;
  let bob: Login;

  const create = (who: Login, body: Record<string, unknown>) => t.request('POST', '/web/user/script', { token: who.authorization, body });
  const createInEnglish = (who: Login, body: Record<string, unknown>) =>
    t.request('POST', '/web/user/script', { token: who.authorization, body, headers: { 'accept-language': 'en' } });
  const createOk = async (who: Login, serviceName = stackName(), content = compose(), isAutoUpdate = 0) => {
    const res = await create(who, { serviceName, dockerComposeContent: content, isAutoUpdate });
    if (res.body.code !== 0) throw new Error(`create failed: ${JSON.stringify(res.body)}`);
    return res.body.data;
  };
  const list = (who: Login, query: string) => t.request('GET', `/web/user/script?${query}`, { token: who.authorization });

  beforeAll(async () => {
    t = await startTestApp({ PUBLIC_BASE_URL });
    admin = await registerAndLogin(t);
    alice = await registerAndLogin(t);
    bob = await registerAndLogin(t);
    expect([admin.role, alice.role, bob.role]).toEqual(['ADMIN', 'USER', 'USER']);
  });
  afterAll(async () => {
    removeStacks(PREFIX);
    await t?.close();
  });

  describe('CRUD in the contract shape', () => {
    it('creates the contract example and returns the exact SCRIPT', async () => {
      const name = stackName();
      const content = compose();
      const res = await create(alice, { serviceName: name, dockerComposeContent: content, isAutoUpdate: 1 });
      expect(res.status).toBe(200);
      const file = join(t.dataDir, 'stacks', name, 'docker-compose.yml');
      expect(res.body).toEqual({
        code: 0,
        message: '成功',
        data: {
          serviceName: name,
          dockerComposeContent: content,
          baseStartScript: [`rm -f '${file}'`, `mkdir -p '${join(t.dataDir, 'stacks', name)}'`, `cat > '${file}' <<'DDS_EOF'\n${content}DDS_EOF`],
          startScript: `docker stack deploy --with-registry-auth -c '${file}' ${name}`,
          downScript: `docker stack rm ${name}`,
          updateScript: `docker service update --with-registry-auth --image {0}:{1} ${name}_halo`,
          id: expect.any(Number),
          isAutoUpdate: 1,
          autoUpdateUrl: expect.stringMatching(new RegExp(`^${PUBLIC_BASE_URL}/api/autoUpdate/${alice.id}/${name}\\?token=[A-Za-z0-9_-]{43}$`)),
          tagPolicy: 'all',
          requireSignature: false,
          hasSigningSecret: false,
          userId: alice.id,
          images: [
            { service: 'halo', image: 'registry.cn-shanghai.aliyuncs.com/pongsky/halo:prod-1.4.6', repository: 'registry.cn-shanghai.aliyuncs.com/pongsky/halo' },
          ],
          createdAt: expect.any(String),
          updatedAt: expect.any(String),
        },
      });
      expect(new Date(res.body.data.createdAt).getTime()).toBeGreaterThan(Date.now() - 600_000);

      // The detail is the same SCRIPT plus the stack's live state.
      const got = await t.request('GET', `/web/user/script/${res.body.data.id}`, { token: alice.authorization });
      expect(got.body).toEqual({ code: 0, message: '成功', data: { ...res.body.data, ...NOT_DEPLOYED } });
      const listed = await list(alice, `serviceName=${name}`);
      expect(listed.body.data.content).toEqual([res.body.data]);
      // ?state=true adds what the detail adds.
      expect((await list(alice, `serviceName=${name}&state=true`)).body.data.content).toEqual([got.body.data]);
    });

    it('updates partially (isAutoUpdate, then the compose file), refuses a serviceName, and deletes', async () => {
      const script = await createOk(alice, stackName(), compose(), 1);
      const path = `/web/user/script/${script.id}`;

      const flag = await t.request('PUT', path, { token: alice.authorization, body: { isAutoUpdate: 0 } });
      expect(flag.status).toBe(200);
      expect(flag.body).toMatchObject({ code: 0, message: '成功', data: { isAutoUpdate: 0, dockerComposeContent: script.dockerComposeContent } });

      const next = 'services:\n  web:\n    image: 127.0.0.1:5000/acme/web:1.2.3\n  halo2:\n    image: nginx\n';
      const body = await t.request('PUT', path, { token: alice.authorization, body: { dockerComposeContent: next } });
      expect(body.body.data).toMatchObject({
        isAutoUpdate: 0,
        dockerComposeContent: next,
        updateScript: `docker service update --with-registry-auth --image {0}:{1} ${script.serviceName}_web`,
        images: [
          { service: 'web', image: '127.0.0.1:5000/acme/web:1.2.3', repository: '127.0.0.1:5000/acme/web' },
          { service: 'halo2', image: 'nginx', repository: 'docker.io/library/nginx' },
        ],
        autoUpdateUrl: script.autoUpdateUrl,
      });

      const rename = await t.request('PUT', path, { token: alice.authorization, body: { serviceName: 'other', isAutoUpdate: 1 } });
      expect(rename.status).toBe(400);
      expect(rename.body.code).toBe(40026);
      const extra = await t.request('PUT', path, { token: alice.authorization, body: { bogus: 1 } });
      expect(extra.status).toBe(400);
      expect(extra.body.code).toBe(40000);
      const bad = await t.request('PUT', path, { token: alice.authorization, body: { isAutoUpdate: 2 } });
      expect(bad.body.code).toBe(40000);
      expect((await t.request('GET', path, { token: alice.authorization })).body.data).toMatchObject({ serviceName: script.serviceName, isAutoUpdate: 0 });

      const del = await t.request('DELETE', path, { token: alice.authorization });
      expect(del.status).toBe(200);
      expect(del.body).toEqual({ code: 0, message: '成功' });
      const gone = await t.request('GET', path, { token: alice.authorization });
      expect(gone.status).toBe(404);
      expect(gone.body.code).toBe(40410);
      expect((await t.request('DELETE', path, { token: alice.authorization })).status).toBe(404);
    });

    it('shows a baseStartScript that bash runs to write the compose file byte for byte', async () => {
      // A flow mapping lets a string span lines that start at column 0, such as the delimiter.
      const content = '{services: {halo: {image: nginx, command: ["sh", "-c", "echo \'$$HOME\' \\"`x`\\" $$(id)"]}},\nx-note: "a\nDDS_EOF\nEOF\nb"}\n';
      const script = await createOk(alice, stackName(), content);
      expect(script.baseStartScript[2]).toContain("<<'DDS_EOF_1'");
      const run = spawnSync('bash', ['-c', script.baseStartScript.join('\n')], { encoding: 'utf8' });
      expect(run.status).toBe(0);
      expect(readFileSync(join(t.dataDir, 'stacks', script.serviceName, 'docker-compose.yml'), 'utf8')).toBe(content);
    });

    it('documents ?state, the detail with lastDeployment and the page with states in OpenAPI', async () => {
      const doc = (await (await fetch(`${t.baseUrl}/docs-json`)).json()) as any;
      const data = (route: string) => doc.paths[route].get.responses['200'].content['application/json'].schema.allOf[1].properties.data;
      expect(doc.paths['/web/user/script'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['serviceName', 'all', 'state']));
      expect(data('/web/user/script')).toEqual({ oneOf: [{ $ref: '#/components/schemas/ScriptPageDto' }, { $ref: '#/components/schemas/ScriptOverviewPageDto' }] });
      expect(data('/web/user/script/{scriptId}')).toEqual({ $ref: '#/components/schemas/ScriptOverviewDto' });
      expect(doc.components.schemas.ScriptOverviewPageDto.properties.content.items).toEqual({ $ref: '#/components/schemas/ScriptOverviewDto' });
      expect(Object.keys(doc.components.schemas.ScriptOverviewDto.properties)).toEqual(expect.arrayContaining(['id', 'stack', 'stackError', 'lastDeployment']));
    });

    it('requires a login for every route', async () => {
      for (const [method, path] of [
        ['GET', '/web/user/script'],
        ['POST', '/web/user/script'],
        ['GET', '/web/user/script/1'],
        ['PUT', '/web/user/script/1'],
        ['DELETE', '/web/user/script/1'],
        ['POST', '/web/user/script/1/rotateToken'],
      ]) {
        const res = await t.request(method, path);
        expect({ method, path, status: res.status, code: res.body.code }).toEqual({ method, path, status: 401, code: 40100 });
      }
    });
  });

  describe('validation', () => {
    it.each([['Halo'], [''], ['-halo'], ['_halo'], ['a'.repeat(31)], ['ha lo'], ['halo!'], [42], [null]])('refuses serviceName %j naming the field', async (serviceName) => {
      const res = await create(alice, { serviceName, dockerComposeContent: compose() });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe(40000);
      expect(res.body.data.errors.map((e: { field: string }) => e.field)).toEqual(['serviceName']);
    });

    it('accepts a 30-character name and the default isAutoUpdate 0', async () => {
      const name = stackName().padEnd(30, 'x');
      const res = await create(alice, { serviceName: name, dockerComposeContent: compose() });
      expect(res.body.data).toMatchObject({ serviceName: name, isAutoUpdate: 0 });
    });

    it('stores a compose file of exactly 256 KiB whole (MEDIUMTEXT on MySQL)', async () => {
      const head = `${compose()}#`;
      const room = 256 * 1024 - head.length - 1;
      const content = `${head}${'é'.repeat(Math.floor(room / 2))}${'x'.repeat(room % 2)}\n`;
      expect(Buffer.byteLength(content)).toBe(256 * 1024);
      const script = await createOk(alice, stackName(), content);
      const got = await t.request('GET', `/web/user/script/${script.id}`, { token: alice.authorization });
      expect(got.body.data.dockerComposeContent).toBe(content);
    });

    it('refuses a compose file over 256 KiB with its own code', async () => {
      const big = `${compose()}#${'x'.repeat(300 * 1024)}\n`;
      const res = await create(alice, { serviceName: stackName(), dockerComposeContent: big });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe(40020);
    });

    it.each([
      ['bad YAML', 'services:\n  halo: [\n', 40021, /YAML/],
      ['no services', 'version: "3.8"\n', 40022, /services/],
      ['an empty services map', 'services: {}\n', 40022, /services/],
      ['a service without image', 'services:\n  halo:\n    build: .\n', 40023, /halo has no image/],
      ['an invalid image', 'services:\n  halo:\n    image: Not/Valid\n', 40023, /not a valid image reference/],
      ['a key docker does not know', compose('nginx', '    bogus_key: 1\n'), 40024, /services\.halo Additional property bogus_key is not allowed/],
      ['a wrong type docker refuses', compose('nginx', '    replicas_x: 1\n    ports: "80"\n'), 40024, /services\.halo/],
    ])('refuses %s (code %s) and saves nothing', async (_, content, code, message) => {
      const name = stackName();
      const res = await createInEnglish(alice, { serviceName: name, dockerComposeContent: content });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe(code);
      expect(res.body.message).toMatch(message);
      expect((await list(alice, `serviceName=${name}`)).body.data.totalElements).toBe(0);
    });

    it.each([
      ['10,000 flow sequences', compose('nginx', `    x-deep: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`), { line: 4, column: expect.any(Number) }],
      ['10,000 flow maps', compose('nginx', `    x-deep: ${'{a: '.repeat(10_000)}1${'}'.repeat(10_000)}\n`), { line: 4, column: expect.any(Number) }],
      // 10,000 levels of indentation would pass 256 KiB; 700 is about as deep as a block map fits in it.
      ['700 block maps', compose('nginx', `    x-deep:\n${Array.from({ length: 700 }, (_, i) => `${' '.repeat(i + 6)}a:`).join('\n')} 1\n`), { line: 66, column: 68 }],
      ['an alias inside its own anchor', 'services: &s\n  halo:\n    image: nginx\n    x-self: [*s]\n', undefined],
    ])('refuses a compose file nested too deeply (%s) with 40028, on POST and PUT, and saves nothing', async (_, content, data) => {
      const name = stackName();
      const res = await createInEnglish(alice, { serviceName: name, dockerComposeContent: content });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ code: 40028, message: expect.stringContaining('more than 64 levels deep'), ...(data && { data }) });
      expect(res.body.message).not.toMatch(/call stack/i);
      expect((await list(alice, `serviceName=${name}`)).body.data.totalElements).toBe(0);
      const script = await createOk(alice);
      const put = await t.request('PUT', `/web/user/script/${script.id}`, { token: alice.authorization, body: { dockerComposeContent: content } });
      expect([put.status, put.body.code]).toEqual([400, 40028]);
    });

    it('says on which line and column a YAML syntax error is, on POST and PUT', async () => {
      const broken = 'services:\n  halo:\n    image: nginx\n    ports: [80\n  db: x\n';
      const res = await create(alice, { serviceName: stackName(), dockerComposeContent: broken });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ code: 40021, message: expect.stringContaining('at line 5, column 3'), data: { line: 5, column: 3 } });
      const script = await createOk(alice);
      const put = await t.request('PUT', `/web/user/script/${script.id}`, { token: alice.authorization, body: { dockerComposeContent: 'services:\n\thalo: {}\n' } });
      expect(put.body).toMatchObject({ code: 40021, data: { line: 2, column: 1 } });
    });

    it('refuses an invalid compose file on PUT and keeps the old one', async () => {
      const script = await createOk(alice);
      const res = await t.request('PUT', `/web/user/script/${script.id}`, { token: alice.authorization, body: { dockerComposeContent: 'services: {}\n' } });
      expect(res.body.code).toBe(40022);
      expect((await t.request('GET', `/web/user/script/${script.id}`, { token: alice.authorization })).body.data.dockerComposeContent).toBe(script.dockerComposeContent);
    });
  });

  describe('the USER policy', () => {
    it.each([
      ['privileged: true', 'services.halo.privileged'],
      ['network_mode: host', 'services.halo.network_mode'],
      ['pid: host', 'services.halo.pid'],
      ['ipc: host', 'services.halo.ipc'],
      ['cap_add: [SYS_ADMIN]', 'services.halo.cap_add'],
      ['devices: ["/dev/kmsg"]', 'services.halo.devices'],
      ['volumes: ["/var/run/docker.sock:/var/run/docker.sock"]', 'services.halo.volumes[0]'],
      ['volumes: ["./data:/data"]', 'services.halo.volumes[0]'],
      ['volumes: [{type: bind, source: /, target: /host}]', 'services.halo.volumes[0]'],
      ['environment: {SECRET: "${JWT_SECRET}"}', 'services.halo.environment.SECRET'],
    ])('refuses a USER %s, naming %s; an ADMIN may', async (setting, key) => {
      const content = compose('nginx', `    ${setting}\n`);
      const res = await create(alice, { serviceName: stackName(), dockerComposeContent: content });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe(40025);
      expect(res.body.message).toContain(key);
      expect(res.body.data.violations).toEqual([{ key, reason: expect.any(String) }]);
      const asAdmin = await create(admin, { serviceName: stackName(), dockerComposeContent: content });
      expect(asAdmin.body.code).toBe(0);
    });

    it('allows a USER named volumes', async () => {
      const res = await create(alice, {
        serviceName: stackName(),
        dockerComposeContent: compose('nginx', '    volumes: ["data:/data"]\nvolumes:\n  data: {}\n'),
      });
      expect(res.body.code).toBe(0);
    });
  });

  describe('ownership', () => {
    it("answers 404 to another user's script on every route and changes nothing", async () => {
      const script = await createOk(alice, stackName(), compose(), 1);
      const path = `/web/user/script/${script.id}`;
      const attempts = [
        await t.request('GET', path, { token: bob.authorization }),
        await t.request('PUT', path, { token: bob.authorization, body: { isAutoUpdate: 0 } }),
        await t.request('PUT', path, { token: bob.authorization, body: { dockerComposeContent: 'not: [valid' } }),
        await t.request('DELETE', path, { token: bob.authorization }),
        await t.request('DELETE', `${path}?removeService=true`, { token: bob.authorization }),
        await t.request('POST', `${path}/rotateToken`, { token: bob.authorization }),
        // An admin is no exception outside the listing.
        await t.request('GET', path, { token: admin.authorization }),
      ];
      for (const res of attempts) expect({ status: res.status, code: res.body.code }).toEqual({ status: 404, code: 40410 });
      const after = await t.request('GET', path, { token: alice.authorization });
      expect(after.body.data).toEqual({ ...script, ...NOT_DEPLOYED });
      expect((await list(bob, `serviceName=${script.serviceName}`)).body.data.totalElements).toBe(0);
    });

    it.each([['abc'], ['1.5'], ['-1'], ['0x10'], ['99999999999999999999'], ['999999999']])('answers 404 to the id %s', async (id) => {
      const res = await t.request('GET', `/web/user/script/${id}`, { token: alice.authorization });
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 404, code: 40410 });
      const rot = await t.request('POST', `/web/user/script/${id}/rotateToken`, { token: alice.authorization });
      expect(rot.status).toBe(404);
    });

    it('lets an ADMIN list everyone’s scripts with ?all=true, without their webhook secrets', async () => {
      const name = stackName('all');
      const script = await createOk(alice, name);
      const own = await list(admin, `serviceName=${name}`);
      expect(own.body.data.totalElements).toBe(0);
      const all = await list(admin, `serviceName=${name}&all=true`);
      expect(all.body.data.content).toEqual([{ ...script, autoUpdateUrl: null }]);
      expect(JSON.stringify(all.body)).not.toContain(new URL(script.autoUpdateUrl).searchParams.get('token'));

      const userAll = await list(alice, 'all=true');
      expect({ status: userAll.status, code: userAll.body.code }).toEqual({ status: 403, code: 40300 });
      expect((await list(admin, 'all=yes')).status).toBe(400);
    });
  });

  describe('pagination and the filter', () => {
    let carol: Login;
    let ids: number[];
    const names = ['pa_1', 'paa1', 'pb-2', 'pc_3', 'pd%4'.replace('%', 'x')];
    beforeAll(async () => {
      carol = await registerAndLogin(t);
      ids = [];
      for (const n of names) ids.push((await createOk(carol, `${PREFIX}${n}`)).id);
    });

    it('lists newest first with the totals', async () => {
      const res = await list(carol, 'pageNumber=1&pageSize=2');
      expect(res.body).toMatchObject({ code: 0, message: '成功', data: { totalPages: 3, totalElements: 5, pageNumber: 1, pageSize: 2 } });
      expect(res.body.data.content.map((s: { id: number }) => s.id)).toEqual([ids[4], ids[3]]);
      const page3 = await list(carol, 'pageNumber=3&pageSize=2');
      expect(page3.body.data.content.map((s: { id: number }) => s.id)).toEqual([ids[0]]);
    });

    it('defaults to page 1 of 20', async () => {
      const res = await list(carol, '');
      expect(res.body.data).toMatchObject({ totalPages: 1, totalElements: 5, pageNumber: 1, pageSize: 20 });
      expect(res.body.data.content.map((s: { id: number }) => s.id)).toEqual([...ids].reverse());
    });

    it('answers a page past the end with no content and the right totals', async () => {
      const res = await list(carol, 'pageNumber=9&pageSize=2');
      expect(res.body.data).toEqual({ content: [], totalPages: 3, totalElements: 5, pageNumber: 9, pageSize: 2 });
    });

    it('caps pageSize at 200', async () => {
      const res = await list(carol, 'pageSize=201');
      expect(res.body.data).toMatchObject({ pageSize: 200, totalElements: 5 });
    });

    it.each([['pageSize=0'], ['pageSize=abc'], ['pageNumber=0'], ['pageNumber=x'], ['pageSize=-1'], ['pageSize=1.5'], ['serviceName=' + 'x'.repeat(31)], ['bogus=1'], ['state=yes'], ['state=1'], ['state=']])(
      'refuses %s with 400',
      async (query) => {
        const res = await list(carol, query);
        expect(res.status).toBe(400);
        expect(res.body.code).toBe(40000);
      },
    );

    it('filters by substring, with % and _ taken literally', async () => {
      const names = async (q: string) => (await list(carol, `serviceName=${encodeURIComponent(q)}`)).body.data.content.map((s: { serviceName: string }) => s.serviceName.slice(PREFIX.length));
      expect(await names('a_1')).toEqual(['pa_1']);
      expect(await names('_')).toEqual(['pc_3', 'pa_1']);
      expect(await names('%')).toEqual([]);
      expect(await names('p%')).toEqual([]);
      expect(await names('!')).toEqual([]);
      expect(await names('b-')).toEqual(['pb-2']);
      expect(await names(PREFIX + 'p')).toEqual(['pdx4', 'pc_3', 'pb-2', 'paa1', 'pa_1']);
      const filtered = await list(carol, 'serviceName=_&pageSize=1');
      expect(filtered.body.data).toMatchObject({ totalElements: 2, totalPages: 2, pageSize: 1 });
    });
  });

  describe('unique names', () => {
    it('gives 409 for a name another user has', async () => {
      const name = stackName();
      await createOk(alice, name);
      const dup = await create(bob, { serviceName: name, dockerComposeContent: compose() });
      expect({ status: dup.status, code: dup.body.code }).toEqual({ status: 409, code: 40910 });
    });

    it('lets only one of several concurrent creates win', async () => {
      const name = stackName();
      const results = await Promise.all([alice, bob, admin, alice].map((who) => create(who, { serviceName: name, dockerComposeContent: compose() })));
      expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
      expect((await list(admin, `serviceName=${name}&all=true`)).body.data.totalElements).toBe(1);
    });
  });

  describe('webhook settings', () => {
    const SECRET = 'a-signing-secret-nobody-may-see-0123';
    const put = (id: number, body: object) => t.request('PUT', `/web/user/script/${id}`, { token: alice.authorization, body });

    it('keeps the signing secret encrypted and write-only, requires one before requireSignature, and checks the tag policy', async () => {
      const created = await create(alice, { serviceName: stackName(), dockerComposeContent: compose(), isAutoUpdate: 1, tagPolicy: 'semver:minor', signingSecret: SECRET });
      expect(created.body.data).toMatchObject({ tagPolicy: 'semver:minor', hasSigningSecret: true, requireSignature: false });
      expect(JSON.stringify(created.body)).not.toContain(SECRET);
      const id = created.body.data.id;
      const [row] = await t.app.get(DataSource).query('SELECT signing_secret_encrypted AS stored FROM scripts WHERE id = ?', [id]);
      expect(row.stored).toMatch(/^v1\./);
      expect(row.stored).not.toContain(SECRET);

      const required = await put(id, { requireSignature: true, tagPolicy: 'glob:prod-*' });
      expect(required.body.data).toMatchObject({ requireSignature: true, tagPolicy: 'glob:prod-*', hasSigningSecret: true });
      // Removing the secret while it is required changes nothing.
      expect((await put(id, { signingSecret: null })).body.code).toBe(40073);
      const removed = await put(id, { signingSecret: null, requireSignature: false });
      expect(removed.body.data).toMatchObject({ hasSigningSecret: false, requireSignature: false });
      expect((await put(id, { requireSignature: true })).body.code).toBe(40073);

      for (const bad of [{ tagPolicy: 'semver:huge' }, { tagPolicy: 'regex:(a' }, { tagPolicy: 'regex:(a)\\1' }, { signingSecret: 'short' }, { signingSecret: 'has a space in it!!' }, { requireSignature: 'yes' }]) {
        const res = await put(id, bad);
        expect([JSON.stringify(bad), res.status, res.body.code]).toEqual([JSON.stringify(bad), 400, 40000]);
      }
      const unchanged = await t.request('GET', `/web/user/script/${id}`, { token: alice.authorization });
      expect(unchanged.body.data).toMatchObject({ tagPolicy: 'glob:prod-*', hasSigningSecret: false, requireSignature: false });
    });
  });

  describe('webhook tokens', () => {
    it('rotates: the old token stops matching, the new one matches', async () => {
      const scripts = t.app.get(ScriptsService);
      const byWebhook = async (userId: number, name: string, token: string | undefined) => {
        const found = await scripts.findByWebhookName(userId, name);
        return found && scripts.tokenMatches(found, token) ? found : undefined;
      };
      const script = await createOk(alice, stackName(), compose(), 1);
      const oldToken = new URL(script.autoUpdateUrl).searchParams.get('token')!;
      await expect(byWebhook(alice.id, script.serviceName, oldToken)).resolves.toMatchObject({ id: script.id });
      await expect(byWebhook(bob.id, script.serviceName, oldToken)).resolves.toBeUndefined();
      await expect(byWebhook(alice.id, script.serviceName, oldToken.slice(1))).resolves.toBeUndefined();
      await expect(byWebhook(alice.id, script.serviceName, undefined)).resolves.toBeUndefined();

      const res = await t.request('POST', `/web/user/script/${script.id}/rotateToken`, { token: alice.authorization });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ code: 0, message: '成功', data: { id: script.id, serviceName: script.serviceName } });
      const newToken = new URL(res.body.data.autoUpdateUrl).searchParams.get('token')!;
      expect(newToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(newToken).not.toBe(oldToken);
      await expect(byWebhook(alice.id, script.serviceName, oldToken)).resolves.toBeUndefined();
      await expect(byWebhook(alice.id, script.serviceName, newToken)).resolves.toMatchObject({ id: script.id });
    });
  });

  describe('deleting a deployed stack (real swarm)', () => {
    it('refuses with 409, then removes the stack first with ?removeService=true', async () => {
      assertSwarm();
      const image = ensureTestImage('dds-test/scripts-web:1');
      const content = compose(image, '    stop_grace_period: 1s\n');
      const script = await createOk(alice, stackName(), content);
      const path = `/web/user/script/${script.id}`;
      expect((await t.request('PUT', `${path}/createService`, { token: alice.authorization })).body.code).toBe(0);
      expect(docker('stack', 'services', '--format', '{{.Name}}', script.serviceName).trim()).toBe(`${script.serviceName}_halo`);

      const refused = await t.request('DELETE', path, { token: alice.authorization });
      expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 409, code: 40911 });
      expect(refused.body.message).toContain(script.serviceName);
      expect((await t.request('GET', path, { token: alice.authorization })).status).toBe(200);
      expect((await t.request('DELETE', `${path}?removeService=maybe`, { token: alice.authorization })).status).toBe(400);

      const removed = await t.request('DELETE', `${path}?removeService=true`, { token: alice.authorization });
      expect(removed.body).toEqual({ code: 0, message: '成功' });
      expect(docker('stack', 'services', '--format', '{{.Name}}', script.serviceName).trim()).toBe('');
      expect((await t.request('GET', path, { token: alice.authorization })).status).toBe(404);
      expect(existsSync(join(t.dataDir, 'stacks', script.serviceName))).toBe(false);
      // The removal was a recorded deployment, and its record outlives the script.
      expect(await stackHistory(t, script.serviceName)).toEqual([
        expect.objectContaining({ scriptId: null, userId: alice.id, action: 'create', status: 'succeeded' }),
        expect.objectContaining({ scriptId: null, userId: alice.id, action: 'remove', trigger: 'manual', status: 'succeeded', errorCode: null }),
      ]);
    });

    it('deletes a script whose stack is not deployed without ?removeService, recording nothing', async () => {
      const script = await createOk(alice);
      const res = await t.request('DELETE', `/web/user/script/${script.id}?removeService=true`, { token: alice.authorization });
      expect(res.body).toEqual({ code: 0, message: '成功' });
      expect(await stackHistory(t, script.serviceName)).toEqual([]);
    });

    it("shows the stack's live state in the detail: not deployed, then each service with its image and running/desired", async () => {
      assertSwarm();
      const image = ensureTestImage('dds-test/scripts-web:1');
      const script = await createOk(alice, stackName(), compose(image, '    stop_grace_period: 1s\n    deploy: {replicas: 2}\n'));
      const path = `/web/user/script/${script.id}`;
      const before = await t.request('GET', path, { token: alice.authorization });
      expect(before.status).toBe(200);
      expect(before.body.data).toEqual({ ...script, ...NOT_DEPLOYED });

      const created = await t.request('PUT', `${path}/createService`, { token: alice.authorization });
      expect(created.body.code).toBe(0);
      let detail = (await t.request('GET', path, { token: alice.authorization })).body.data;
      for (const end = Date.now() + 60_000; detail.stack.services[0]?.running !== 2 && Date.now() < end; ) {
        await new Promise((r) => setTimeout(r, 500));
        detail = (await t.request('GET', path, { token: alice.authorization })).body.data;
      }
      expect(detail).toEqual({
        ...script,
        stack: { deployed: true, services: [{ name: `${script.serviceName}_halo`, image, mode: 'replicated', running: 2, desired: 2 }] },
        stackError: null,
        lastDeployment: expect.objectContaining({ scriptId: script.id, serviceName: script.serviceName, action: 'create', status: 'succeeded' }),
      });
      expect(detail.lastDeployment).not.toHaveProperty('output');
      // Lists never ask docker.
      expect((await list(alice, `serviceName=${script.serviceName}`)).body.data.content).toEqual([script]);
    });

    it('lists with ?state=true each stack by its namespace label (app vs app_x) and each last deployment', async () => {
      assertSwarm();
      const image = ensureTestImage('dds-test/scripts-web:1');
      const base = stackName('st');
      const oneService = (key: string) => `services:\n  ${key}:\n    image: ${image}\n    stop_grace_period: 1s\n`;
      // Stack app's service x_web is app_x_web, stack app_x's service db is app_x_db: only labels tell whose each is.
      const app = await createOk(alice, base, oneService('x_web'));
      const appX = await createOk(alice, `${base}_x`, oneService('db'));
      const idle = await createOk(alice, `${base}-idle`);
      for (const s of [app, appX, app]) expect((await t.request('PUT', `/web/user/script/${s.id}/createService`, { token: alice.authorization })).body.code).toBe(0);
      const history = async (id: number) => (await t.request('GET', `/web/user/script/${id}/deployments`, { token: alice.authorization })).body.data.content;
      const [appLast, appFirst] = await history(app.id);
      const [appXLast] = await history(appX.id);
      expect(appLast.id).toBeGreaterThan(appFirst.id);

      let page = (await list(alice, `serviceName=${base}&state=true`)).body;
      const running = () => page.data.content.map((s: { stack: { services: { running: number }[] } | null }) => s.stack?.services.map((x) => x.running));
      for (const end = Date.now() + 60_000; JSON.stringify(running()) !== '[[],[1],[1]]' && Date.now() < end; ) {
        await new Promise((r) => setTimeout(r, 500));
        page = (await list(alice, `serviceName=${base}&state=true`)).body;
      }
      const deployed = (name: string, key: string) => ({ deployed: true, services: [{ name: `${name}_${key}`, image, mode: 'replicated', running: 1, desired: 1 }] });
      expect(page).toEqual({
        code: 0,
        message: '成功',
        data: {
          content: [
            { ...idle, ...NOT_DEPLOYED },
            { ...appX, stack: deployed(appX.serviceName, 'db'), stackError: null, lastDeployment: appXLast },
            { ...app, stack: deployed(app.serviceName, 'x_web'), stackError: null, lastDeployment: appLast },
          ],
          totalPages: 1,
          totalElements: 3,
          pageNumber: 1,
          pageSize: 20,
        },
      });
      // Each item says what its detail says.
      for (const item of page.data.content) expect((await t.request('GET', `/web/user/script/${item.id}`, { token: alice.authorization })).body.data).toEqual(item);
      // Without the flag, the answer is as it always was.
      expect((await list(alice, `serviceName=${base}`)).body.data.content).toEqual([idle, appX, app]);
      // An ADMIN's all=true list shows the stacks, but not another user's deployments.
      const all = (await list(admin, `serviceName=${base}&all=true&state=true`)).body.data.content;
      expect(all.map((s: { id: number; stack: { deployed: boolean }; lastDeployment: unknown }) => [s.id, s.stack.deployed, s.lastDeployment])).toEqual([
        [idle.id, false, null],
        [appX.id, true, null],
        [app.id, true, null],
      ]);
    });

    it("shows a stack of the script's name that is not the script's as null with the reason, in the list as in the detail", async () => {
      assertSwarm();
      const image = ensureTestImage('dds-test/scripts-web:1');
      const name = stackName('hand');
      const dir = mkdtempSync(join(tmpdir(), 'dds-hand-'));
      writeFileSync(join(dir, 'stack.yml'), `services:\n  web:\n    image: ${image}\n    stop_grace_period: 1s\n    deploy: {replicas: 0}\n`);
      docker('stack', 'deploy', '-c', join(dir, 'stack.yml'), name);
      const script = await createOk(admin, name); // an ADMIN may save the name of a stack deployed by hand
      const foreign = { stack: null, stackError: `a stack named ${name} runs on the swarm but is not this script's (40912)`, lastDeployment: null };
      // Lists share one read of the swarm for 2 s: an earlier list's may not show the new stack yet.
      const listed = async () => (await list(admin, `serviceName=${name}&state=true`)).body.data.content;
      let content = await listed();
      for (const end = Date.now() + 10_000; content[0].stack !== null && Date.now() < end; content = await listed()) await new Promise((r) => setTimeout(r, 250));
      expect(content).toEqual([{ ...script, ...foreign }]);
      expect((await t.request('GET', `/web/user/script/${script.id}`, { token: admin.authorization })).body.data).toEqual({ ...script, ...foreign });
    });

    it('refuses to delete, without ?removeService, a script whose stack has a deployment running, deployed or not yet', async () => {
      const script = await createOk(alice);
      const repo = t.app.get(DataSource).getRepository(Deployment);
      // A row as a runner holds it while `docker stack deploy` has not yet created anything.
      const running = await repo.save(
        repo.create({ scriptId: script.id, userId: alice.id, serviceName: script.serviceName, action: 'create', trigger: 'manual', status: 'running', createdAt: new Date(), startedAt: new Date() }),
      );
      const path = `/web/user/script/${script.id}`;
      const refused = await t.request('DELETE', path, { token: alice.authorization, headers: { 'accept-language': 'en' } });
      expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 409, code: 40911 });
      expect(refused.body.message).toContain(`stack ${script.serviceName} has a deployment queued or running`);
      await repo.update({ id: running.id }, { status: 'interrupted', finishedAt: new Date() });
      expect((await t.request('DELETE', path, { token: alice.authorization })).body).toEqual({ code: 0, message: '成功' });
    });

    it('queues the removal after an operation already queued or running on the stack, in order', async () => {
      assertSwarm();
      const image = ensureTestImage('dds-test/scripts-web:1');
      // No tasks: `docker stack rm` right after a deploy fails while a starting task still holds the
      // stack's network ("network ... is in use by task"), which is docker's race, not this test's.
      const script = await createOk(alice, stackName(), compose(image, '    deploy: {replicas: 0}\n'));
      const path = `/web/user/script/${script.id}`;
      const queued = await t.request('PUT', `${path}/createService?wait=false`, { token: alice.authorization });
      expect(queued.status).toBe(202);
      // Whether the create is still queued, running or done, the stack is (about to be) deployed.
      const refused = await t.request('DELETE', path, { token: alice.authorization });
      expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 409, code: 40911 });

      const removed = await t.request('DELETE', `${path}?removeService=true`, { token: alice.authorization });
      expect(removed.body).toEqual({ code: 0, message: '成功' });
      expect(docker('stack', 'services', '--format', '{{.Name}}', script.serviceName).trim()).toBe('');
      expect((await t.request('GET', path, { token: alice.authorization })).status).toBe(404);
      const history = await stackHistory(t, script.serviceName);
      expect(history.map((d) => [d.action, d.status, d.scriptId])).toEqual([
        ['create', 'succeeded', null],
        ['remove', 'succeeded', null],
      ]);
      expect(history[1].startedAt!.getTime()).toBeGreaterThanOrEqual(history[0].finishedAt!.getTime());
    });
  });
});

describe('scripts without a docker CLI', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ DOCKER_BIN: '/nonexistent/docker' })));
  afterAll(() => t?.close());

  it('saves without docker’s check, but refuses to delete when it cannot tell whether the stack runs', async () => {
    const user = await registerAndLogin(t);
    const res = await t.request('POST', '/web/user/script', {
      token: user.authorization,
      body: { serviceName: stackName(), dockerComposeContent: compose('nginx', '    bogus_key: 1\n') },
    });
    expect(res.body.code).toBe(0);
    const del = await t.request('DELETE', `/web/user/script/${res.body.data.id}`, { token: user.authorization });
    expect({ status: del.status, code: del.body.code }).toEqual({ status: 503, code: 50300 });
    const got = await t.request('GET', `/web/user/script/${res.body.data.id}`, { token: user.authorization });
    expect(got.status).toBe(200);
    expect(got.body.data).toEqual({ ...res.body.data, stack: null, stackError: expect.stringMatching(/docker CLI .* was not found/), lastDeployment: null });
    const listed = await t.request('GET', '/web/user/script?state=true', { token: user.authorization });
    expect({ status: listed.status, content: listed.body.data.content }).toEqual({ status: 200, content: [got.body.data] });
  });
});

describe('scripts when docker cannot answer or cannot remove the stack', () => {
  it('answers the detail with stack null and the reason when the engine is down', async () => {
    // The real CLI pointed at a port where no engine listens.
    const t = await startTestApp({ DOCKER_BIN: fakeDocker('exec docker -H tcp://127.0.0.1:1 "$@"') });
    try {
      const user = await registerAndLogin(t);
      const res = await t.request('POST', '/web/user/script', { token: user.authorization, body: { serviceName: stackName(), dockerComposeContent: compose() } });
      expect(res.body.code).toBe(0);
      const got = await t.request('GET', `/web/user/script/${res.body.data.id}`, { token: user.authorization });
      expect(got.status).toBe(200);
      expect(got.body).toEqual({
        code: 0,
        message: '成功',
        data: { ...res.body.data, stack: null, stackError: expect.stringMatching(/^the Docker engine is not reachable: .*Cannot connect to the Docker daemon/), lastDeployment: null },
      });
      const listed = await t.request('GET', '/web/user/script?state=true', { token: user.authorization });
      expect({ status: listed.status, content: listed.body.data.content }).toEqual({ status: 200, content: [got.body.data] });
    } finally {
      await t.close();
    }
  });

  it('deletes nothing when the removal fails, and answers with its error', async () => {
    // `stack services` says the stack runs, its service carries this script's labels (written below
    // once the ids are known), `stack rm` fails; everything else is the real CLI.
    const labels = join(mkdtempSync(join(tmpdir(), 'dds-labels-')), 'service');
    const bin = fakeDocker(
      [
        'if [ "$1 $2" = "stack services" ]; then',
        '  printf \'{"ID":"x1","Image":"nginx:1","Mode":"replicated","Name":"%s_halo","Ports":"","Replicas":"0/1"}\\n\' "$6"; exit 0',
        'fi',
        'if [ "$1 $2" = "service ls" ]; then echo x1; exit 0; fi',
        `if [ "$1 $2" = "service inspect" ] && [ "$6" = "x1" ]; then cat '${labels}'; exit 0; fi`,
        'if [ "$1 $2" = "stack rm" ]; then echo "Error: failed to remove network: boom" >&2; exit 1; fi',
        'exec docker "$@"',
      ].join('\n'),
    );
    const t = await startTestApp({ DOCKER_BIN: bin });
    try {
      const user = await registerAndLogin(t);
      const name = stackName();
      const saved = await t.request('POST', '/web/user/script', { token: user.authorization, body: { serviceName: name, dockerComposeContent: compose() } });
      const path = `/web/user/script/${saved.body.data.id}`;
      const { installationId } = (await t.app.get(DataSource).query('SELECT installation_id AS installationId FROM installation'))[0];
      writeFileSync(labels, `"${name}_halo" ${JSON.stringify({ 'dds.installation': installationId, 'dds.script': String(saved.body.data.id), 'dds.owner': String(user.id) })}\n`);
      const detail = await t.request('GET', path, { token: user.authorization });
      expect(detail.body.data.stack).toEqual({ deployed: true, services: [{ name: `${name}_halo`, image: 'nginx:1', mode: 'replicated', running: 0, desired: 1 }] });

      const res = await t.request('DELETE', `${path}?removeService=true`, { token: user.authorization, headers: { 'accept-language': 'en' } });
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 500, code: 50010 });
      expect(res.body.message).toMatch(/boom/);
      expect((await t.request('GET', path, { token: user.authorization })).status).toBe(200);
      expect(await stackHistory(t, name)).toEqual([
        expect.objectContaining({ scriptId: saved.body.data.id, action: 'remove', trigger: 'manual', status: 'failed', errorCode: 50010 }),
      ]);
    } finally {
      await t.close();
    }
  });
});
