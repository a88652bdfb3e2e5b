import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { DeploymentIntake } from '../src/deployments/deployment-intake';
import { DeploymentWaits } from '../src/deployments/deployment-waits';
import { Deployment } from '../src/deployments/entities/deployment.entity';
import { Script } from '../src/scripts/entities/script.entity';
import { e2eDatabase } from './support/databases';
import { eventually } from './support/packaging';
import { specImage } from './support/rollouts';
import { registerAndLogin, startTestApp, TestApp } from './support/test-app';
import { assertSwarm, docker, ensureTestImage, removeStacks } from './support/test-images';

const IMAGE = 'dds-e2e/app';
const PREFIX = `dde${Date.now().toString(36).slice(-6)}`;

/** A compose file tuned for speed: 1 s stop grace, one task at a time, short monitors. */
const compose = (service: string, image: string, replicas = 1) =>
  [
    'services:',
    `  ${service}:`,
    `    image: ${image}`,
    '    stop_grace_period: 1s',
    '    deploy:',
    `      replicas: ${replicas}`,
    '      update_config: {parallelism: 1, delay: 0s, monitor: 1s}',
    '      rollback_config: {parallelism: 0, delay: 0s, monitor: 1s}',
    '',
  ].join('\n');

/** The images and states of a service's tasks that should be running. */
const runningTasks = (service: string) =>
  docker('service', 'ps', '--filter', 'desired-state=running', '--format', '{{.Image}} {{.CurrentState}}', service)
    .trim()
    .split('\n')
    .filter(Boolean);

/** Reads a text/event-stream until the status event; returns the parsed events. */
async function readEvents(t: TestApp, id: number, token: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${t.baseUrl}/web/user/deployments/${id}/events`, { headers: { authorization: `Bearer ${token}`, ...headers } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const text = await res.text(); // the server ends the stream after the status event
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('event:'))
    .map((block) => {
      const fields = Object.fromEntries(block.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
      return { event: fields.event, id: fields.id, data: fields.data };
    });
}

describe('deployments on a real swarm', () => {
  let t: TestApp;
  let token: string;
  let userId: number;

  beforeAll(async () => {
    assertSwarm();
    for (const tag of ['1', '2', 'w1', 'w2', 'w3', 'w4', 'w5', 'p1', 'p2', 'p3']) ensureTestImage(`${IMAGE}:${tag}`);
    ensureTestImage(`${IMAGE}:broken`, { broken: true });
    t = await startTestApp({ DEPLOY_TIMEOUT_SECONDS: '120' });
    ({ authorization: token, id: userId } = await registerAndLogin(t));
  });

  afterAll(async () => {
    removeStacks(PREFIX);
    await t?.close();
  });

  async function saveScript(app: TestApp, name: string, replicas = 1): Promise<number> {
    const stack = `${PREFIX}-${name}`;
    const res = await app.request('POST', '/web/user/script', { token, body: { serviceName: stack, dockerComposeContent: compose(stack, `${IMAGE}:1`, replicas), isAutoUpdate: 1 } });
    expect(res.body).toMatchObject({ code: 0 });
    return res.body.data.id;
  }

  const put = (path: string, body?: unknown, app = t) => app.request('PUT', path, { token, body });

  it('creates a stack, rolls it to a new tag, rolls back an image that cannot start, and removes it', async () => {
    const stack = `${PREFIX}-main`;
    const service = `${stack}_${stack}`;
    const id = await saveScript(t, 'main', 2);

    const created = await put(`/web/user/script/${id}/createService`);
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ code: 0, message: '成功', data: `Creating network ${stack}_default\nCreating service ${service}` });
    await eventually(() => runningTasks(service).filter((l) => / Running /.test(l)).length === 2, 'two running tasks', 30_000, 250);

    const updated = await put(`/web/user/script/${id}/updateService`, { repository: IMAGE, tag: '2' });
    expect(updated.status).toBe(200);
    expect(updated.body.code).toBe(0);
    expect(updated.body.data).toEqual(expect.arrayContaining([service, `verify: Service ${service} converged`]));
    expect(new Set(updated.body.data).size).toBe(updated.body.data.length); // progress refreshes collapsed
    expect(specImage(service)).toBe(`${IMAGE}:2`);
    expect(runningTasks(service)).toEqual([expect.stringMatching(`^${IMAGE}:2 Running`), expect.stringMatching(`^${IMAGE}:2 Running`)]);

    // docker exits 0 after the automatic rollback: the answer must still be a failure.
    const broken = await put(`/web/user/script/${id}/updateService`, { repository: IMAGE, tag: 'broken', service: stack });
    expect(broken.status).toBe(500);
    expect(broken.body.code).toBe(50011);
    expect(broken.body.message).toMatch(/task did not start.*non-zero exit/);
    expect(broken.body.data).toEqual(expect.arrayContaining([expect.stringMatching(/^rollback: /)]));
    expect(specImage(service)).toBe(`${IMAGE}:2`);

    const missing = await put(`/web/user/script/${id}/updateService`, { repository: 'dds-e2e/never-pushed', tag: '1', service: stack });
    expect(missing.body.code).toBe(50011);
    expect(missing.body.message).toMatch(/No such image: dds-e2e\/never-pushed:1/);
    expect(specImage(service)).toBe(`${IMAGE}:2`);

    const history = await t.request('GET', `/web/user/script/${id}/deployments?pageSize=2`, { token });
    expect(history.body.data).toMatchObject({ totalElements: 4, totalPages: 2, pageSize: 2 });
    expect(history.body.data.content.map((d: Deployment) => [d.action, d.status, d.tag])).toEqual([
      ['update', 'rolled_back', '1'],
      ['update', 'rolled_back', 'broken'],
    ]);
    const detail = await t.request('GET', `/web/user/deployments/${history.body.data.content[1].id}`, { token });
    expect(detail.body.data).toMatchObject({ status: 'rolled_back', errorCode: 50011, services: [service], trigger: 'manual', output: broken.body.data });

    const removed = await put(`/web/user/script/${id}/removeService`);
    expect(removed.body).toEqual({ code: 0, message: '成功', data: `Removing service ${service}\nRemoving network ${stack}_default` });
    expect(docker('service', 'ls', '--filter', `name=${stack}`, '--format', '{{.Name}}').trim()).toBe('');
  });

  it('refuses hostile repositories and tags with 400 and records nothing', async () => {
    const id = await saveScript(t, 'hostile');
    const cases = [
      { repository: '--help', tag: '1' },
      { repository: IMAGE, tag: '-d' },
      { repository: IMAGE, tag: '$(id)' },
      { repository: 'a b', tag: '1' },
      { repository: IMAGE, tag: '1\n--detach' },
      { repository: `${IMAGE};id`, tag: '1' },
      { repository: `${IMAGE}:1`, tag: '2' },
      { repository: IMAGE, tag: 'x'.repeat(129) },
      { repository: 'x'.repeat(256), tag: '1' },
      { repository: IMAGE, tag: '1', service: '--help' },
      { repository: IMAGE, tag: 1 },
      { repository: IMAGE, tag: '1', extra: true },
    ];
    for (const body of cases) {
      const res = await put(`/web/user/script/${id}/updateService`, body);
      expect([res.status, res.body.code]).toEqual([400, 40000]);
    }
    const unknownService = await put(`/web/user/script/${id}/updateService`, { repository: IMAGE, tag: '2', service: 'nope' });
    expect([unknownService.status, unknownService.body.code]).toEqual([400, 40042]);
    const history = await t.request('GET', `/web/user/script/${id}/deployments`, { token });
    expect(history.body.data.totalElements).toBe(0);
  });

  it("hides other users' scripts and deployments (404)", async () => {
    const id = await saveScript(t, 'private');
    const queued = await put(`/web/user/script/${id}/removeService?wait=false`);
    expect(queued.status).toBe(202);
    const other = await registerAndLogin(t);
    for (const action of ['createService', 'removeService', 'updateService']) {
      const res = await t.request('PUT', `/web/user/script/${id}/${action}`, { token: other.authorization, body: { repository: IMAGE, tag: '2' } });
      expect([res.status, res.body.code]).toEqual([404, 40410]);
    }
    for (const path of [`/web/user/deployments/${queued.body.data.id}`, `/web/user/deployments/${queued.body.data.id}/events`]) {
      const res = await t.request('GET', path, { token: other.authorization });
      expect([res.status, res.body.code]).toEqual([404, 40420]);
    }
    expect((await t.request('GET', `/web/user/script/${id}/deployments`, { token: other.authorization })).status).toBe(404);
    expect((await t.request('GET', '/web/user/deployments/abc', { token })).body.code).toBe(40420);
  });

  it("lists the caller's deployments across their scripts, deleted ones included, newest first, filtered by script and status", async () => {
    const me = await registerAndLogin(t);
    const other = await registerAndLogin(t);
    const as = (who: { authorization: string }) => (query: string) => t.request('GET', `/web/user/deployments${query}`, { token: who.authorization });
    const mine = as(me);
    const save = async (who: { authorization: string }, name: string) =>
      (await t.request('POST', '/web/user/script', { token: who.authorization, body: { serviceName: `${PREFIX}-${name}`, dockerComposeContent: compose(name, `${IMAGE}:1`) } })).body.data;
    const [a, b, theirs] = [await save(me, 'la'), await save(me, 'lb'), await save(other, 'lo')];
    // Finished rows only (a queued one would run): two of script a, one of b, one of a script since deleted, one of another user.
    const repo = t.app.get(DataSource).getRepository(Deployment);
    const row = (scriptId: number | null, who: { id: number }, serviceName: string, status: Deployment['status']) =>
      repo.save(repo.create({ scriptId, userId: who.id, serviceName, action: 'create', trigger: 'manual', status, output: 'line 1\nline 2', lineCount: 2, createdAt: new Date(), finishedAt: new Date() }));
    const a1 = await row(a.id, me, a.serviceName, 'succeeded');
    const foreign = await row(theirs.id, other, theirs.serviceName, 'failed');
    const b1 = await row(b.id, me, b.serviceName, 'failed');
    const gone = await row(null, me, `${PREFIX}-gone`, 'interrupted');
    const a2 = await row(a.id, me, a.serviceName, 'failed');

    const all = await mine('');
    expect(all.status).toBe(200);
    expect(all.body.data).toMatchObject({ totalElements: 4, totalPages: 1, pageNumber: 1, pageSize: 20 });
    expect(all.body.data.content.map((d: Deployment) => d.id)).toEqual([a2.id, gone.id, b1.id, a1.id]);
    // DEPLOYMENTs without output, as in a script's history.
    const history = await t.request('GET', `/web/user/script/${a.id}/deployments`, { token: me.authorization });
    expect(all.body.data.content.filter((d: Deployment) => d.scriptId === a.id)).toEqual(history.body.data.content);
    expect(all.body.data.content[1]).toEqual({
      id: gone.id, scriptId: null, serviceName: `${PREFIX}-gone`, action: 'create', trigger: 'manual', image: null, tag: null, digest: null,
      previousImage: null, source: null, services: null, status: 'interrupted', error: null, errorCode: null, lineCount: 2,
      createdAt: gone.createdAt.toISOString(), startedAt: null, finishedAt: gone.finishedAt!.toISOString(),
    });

    const ids = async (query: string) => (await mine(query)).body.data.content.map((d: Deployment) => d.id);
    expect(await ids(`?scriptId=${a.id}`)).toEqual([a2.id, a1.id]);
    expect(await ids('?status=failed')).toEqual([a2.id, b1.id]);
    expect(await ids(`?scriptId=${a.id}&status=succeeded`)).toEqual([a1.id]);
    expect(await ids(`?scriptId=${theirs.id}`)).toEqual([]);
    expect(await ids(`?scriptId=${Number.MAX_SAFE_INTEGER}`)).toEqual([]);
    const paged = await mine('?pageSize=3&pageNumber=2');
    expect(paged.body.data).toMatchObject({ totalElements: 4, totalPages: 2, pageNumber: 2, pageSize: 3 });
    expect(paged.body.data.content.map((d: Deployment) => d.id)).toEqual([a1.id]);
    expect(await as(other)('').then((r) => r.body.data.content.map((d: Deployment) => d.id))).toEqual([foreign.id]);

    for (const query of ['?status=bogus', '?status=', '?scriptId=abc', '?scriptId=0', '?scriptId=1.5', '?scriptId=-1', `?scriptId=${Number.MAX_SAFE_INTEGER + 2}`, '?pageSize=0', '?bogus=1']) {
      const res = await mine(query);
      expect({ query, status: res.status, code: res.body.code }).toEqual({ query, status: 400, code: 40000 });
    }
    expect((await mine('?status=bogus')).body.data.errors.map((e: { field: string }) => e.field)).toEqual(['status']);
    expect((await t.request('GET', '/web/user/deployments')).status).toBe(401);
    // The detail route beside it still answers, with the output.
    expect((await t.request('GET', `/web/user/deployments/${a2.id}`, { token: me.authorization })).body.data).toMatchObject({ id: a2.id, output: ['line 1', 'line 2'] });

    const doc = (await (await fetch(`${t.baseUrl}/docs-json`)).json()) as any;
    const route = doc.paths['/web/user/deployments'].get;
    expect(route.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['pageNumber', 'pageSize', 'scriptId', 'status']);
    expect(route.parameters.find((p: { name: string }) => p.name === 'status').schema.enum).toEqual(['queued', 'running', 'succeeded', 'failed', 'rolled_back', 'superseded', 'interrupted']);
    expect(route.responses['200'].content['application/json'].schema.allOf[1].properties.data).toEqual({ $ref: '#/components/schemas/DeploymentPageDto' });
  });

  it('ends a burst of five webhook pushes on the last tag with at most two rollouts', async () => {
    const id = await saveScript(t, 'burst');
    expect((await put(`/web/user/script/${id}/createService`)).body.code).toBe(0);
    const script = await t.app.get(DataSource).getRepository(Script).findOneByOrFail({ id });
    const push = (tag: string) => t.app.get(DeploymentIntake).request({ script, userId, action: 'update', trigger: 'webhook', repository: IMAGE, tag, services: [script.serviceName] });
    const requested: Deployment[] = [];
    for (const tag of ['w1', 'w2', 'w3', 'w4', 'w5']) requested.push(await push(tag));
    expect((await push('w5')).id).toBe(requested[4].id); // a repeated push of the same tag is the same deployment

    const last = await t.app.get(DeploymentWaits).wait(requested[4].id, 60_000);
    expect(last).toMatchObject({ status: 'succeeded', tag: 'w5' });
    const rows = await t.app.get(DataSource).getRepository(Deployment).findBy({ scriptId: id, action: 'update' });
    expect(rows).toHaveLength(5);
    expect(rows.filter((r) => r.startedAt !== null).length).toBeLessThanOrEqual(2);
    expect(rows.filter((r) => r.status === 'superseded').length).toBeGreaterThanOrEqual(3);
    expect(specImage(`${script.serviceName}_${script.serviceName}`)).toBe(`${IMAGE}:w5`);
  });

  it(`never runs two operations on one stack at once (${e2eDatabase() === 'mariadb' ? 'two instances on one MariaDB' : 'one SQLite instance'}); streams events`, async () => {
    // MariaDB: a second instance shares the database and the swarm. SQLite is single-instance by design.
    const other = e2eDatabase() === 'mariadb' ? await startTestApp({ DEPLOY_TIMEOUT_SECONDS: '120' }, t.databaseUrl) : t;
    try {
      const id = await saveScript(t, 'pair');
      expect((await put(`/web/user/script/${id}/createService`)).body.code).toBe(0);
      const ids: number[] = [];
      for (const [i, tag] of ['p1', 'p2', 'p3'].entries()) {
        const res = await put(`/web/user/script/${id}/updateService?wait=false`, { repository: IMAGE, tag }, i % 2 ? other : t);
        expect(res.status).toBe(202);
        expect(res.body.data).toMatchObject({ status: expect.stringMatching(/^(queued|running)$/), tag, trigger: 'manual' });
        ids.push(res.body.data.id);
      }
      // Live on the instance that did not accept it (MariaDB: read through the database).
      const events = await readEvents(other, ids[0], token);
      expect(events.filter((e) => e.event === 'line').map((e) => e.data)).toEqual(expect.arrayContaining([expect.stringMatching(/ converged$/)]));
      expect(events.at(-1)).toMatchObject({ event: 'status' });
      expect(JSON.parse(events.at(-1)!.data)).toMatchObject({ id: ids[0], status: 'succeeded' });

      const waits = t.app.get(DeploymentWaits);
      for (const d of ids) expect((await waits.wait(d, 60_000)).status).toBe('succeeded');
      const rows = await t.app.get(DataSource).getRepository(Deployment).find({ where: { scriptId: id }, order: { startedAt: 'ASC' } });
      expect(rows.map((r) => r.id)).toEqual([...rows.map((r) => r.id)].sort((a, b) => a - b)); // in order
      for (let i = 1; i < rows.length; i++) expect(rows[i].startedAt!.getTime()).toBeGreaterThanOrEqual(rows[i - 1].finishedAt!.getTime());
      expect(specImage(`${PREFIX}-pair_${PREFIX}-pair`)).toBe(`${IMAGE}:p3`);

      // A finished deployment replays its lines, and Last-Event-ID resumes after a line.
      const replay = await readEvents(t, ids[1], token);
      const lines = replay.filter((e) => e.event === 'line');
      expect(lines.length).toBeGreaterThan(2);
      expect(replay.at(-1)!.event).toBe('status');
      const resumed = await readEvents(t, ids[1], token, { 'last-event-id': lines[1].id });
      expect(resumed.filter((e) => e.event === 'line').map((e) => e.data)).toEqual(lines.slice(2).map((e) => e.data));
    } finally {
      if (other !== t) await other.close();
    }
  });

  it('marks a deployment left running by a crash as interrupted at start-up', async () => {
    const id = await saveScript(t, 'crash');
    const repo = t.app.get(DataSource).getRepository(Deployment);
    const orphan = await repo.save(
      repo.create({ scriptId: id, userId, serviceName: `${PREFIX}-crash`, action: 'create', trigger: 'manual', status: 'running', createdAt: new Date(), startedAt: new Date() }),
    );
    const restarted = await startTestApp({}, t.databaseUrl);
    try {
      await expect(repo.findOneByOrFail({ id: orphan.id })).resolves.toMatchObject({ status: 'interrupted', errorCode: 50012, finishedAt: expect.any(Date) });
    } finally {
      await restarted.close();
    }
  });

  it('says clearly when the Docker engine is down', async () => {
    // The real CLI pointed at a port where no engine listens.
    const dir = mkdtempSync(join(tmpdir(), 'dds-down-'));
    writeFileSync(join(dir, 'docker'), '#!/bin/sh\nexec docker -H tcp://127.0.0.1:1 "$@"\n');
    chmodSync(join(dir, 'docker'), 0o755);
    const down = await startTestApp({ DOCKER_BIN: join(dir, 'docker') });
    try {
      const user = await registerAndLogin(down);
      const stack = `${PREFIX}-down`;
      const saved = await down.request('POST', '/web/user/script', { token: user.authorization, body: { serviceName: stack, dockerComposeContent: compose(stack, `${IMAGE}:1`) } });
      expect(saved.body.code).toBe(0);
      const res = await down.request('PUT', `/web/user/script/${saved.body.data.id}/createService`, { token: user.authorization });
      expect([res.status, res.body.code]).toEqual([503, 50013]);
      expect(res.body.message).toMatch(/Cannot connect to the Docker daemon/);
    } finally {
      await down.close();
    }
  });
});
