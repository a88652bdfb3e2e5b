/**
 * The webhook delivery log: recorded through WebhookDeliveriesService as the webhook does, read back
 * through the API by the script's owner only, pruned by count and age, searched for replays, and
 * gone with its script. Docker is a stand-in that answers everything empty (no stack is deployed).
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { Deployment, DeploymentStatus } from '../src/deployments/entities/deployment.entity';
import { DeliveryEntry, WebhookDeliveriesService } from '../src/webhooks/deliveries/webhook-deliveries.service';
import { WebhookDelivery } from '../src/webhooks/deliveries/webhook-delivery.entity';
import { registerAndLogin, startTestApp, TestApp, uniqueName } from './support/test-app';

type Login = Awaited<ReturnType<typeof registerAndLogin>>;

const MAX_PER_SCRIPT = 10;
const DIGEST = `sha256:${'a'.repeat(64)}`;
const OTHER_DIGEST = `sha256:${'b'.repeat(64)}`;
const REPO = 'registry.cn-shanghai.aliyuncs.com/pongsky/halo';

/** A docker CLI that answers every command with nothing: compose files pass, no stack exists. */
function emptyDocker(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dds-fake-docker-'));
  writeFileSync(join(dir, 'docker'), '#!/bin/sh\nexit 0\n');
  chmodSync(join(dir, 'docker'), 0o755);
  return join(dir, 'docker');
}

describe('webhook deliveries', () => {
  let t: TestApp;
  let admin: Login;
  let alice: Login;
  let bob: Login;
  let deliveries: WebhookDeliveriesService;

  const stored = () => t.app.get(DataSource).getRepository(WebhookDelivery);
  const createScript = async (who: Login) => {
    const res = await t.request('POST', '/web/user/script', {
      token: who.authorization,
      body: { serviceName: uniqueName('w').slice(0, 20), dockerComposeContent: `services:\n  halo:\n    image: ${REPO}:prod-1.4.6\n`, isAutoUpdate: 1 },
    });
    if (res.body.code !== 0) throw new Error(`create failed: ${JSON.stringify(res.body)}`);
    return res.body.data as { id: number; serviceName: string; userId: number; autoUpdateUrl: string };
  };
  const deployment = async (script: { id: number; serviceName: string; userId: number }, status: DeploymentStatus) => {
    const repo = t.app.get(DataSource).getRepository(Deployment);
    const row = repo.create({
      scriptId: script.id,
      userId: script.userId,
      serviceName: script.serviceName,
      action: 'update',
      trigger: 'webhook',
      image: REPO,
      tag: 'prod-1.4.7',
      status,
      lineCount: 0,
      createdAt: new Date(),
    });
    return (await repo.save(row)).id;
  };
  const entry = (scriptId: number, over: Partial<DeliveryEntry> = {}): DeliveryEntry => ({
    scriptId,
    source: 'aliyun',
    proof: 'token',
    repository: REPO,
    tag: 'prod-1.4.7',
    digest: DIGEST,
    decision: 'no_match',
    reason: 'no service of this stack runs that repository',
    httpStatus: 400,
    code: 40031,
    payload: { push_data: { tag: 'prod-1.4.7' } },
    ...over,
  });
  const record = async (scriptId: number, over: Partial<DeliveryEntry> = {}) => {
    const row = await deliveries.record(entry(scriptId, over));
    if (!row) throw new Error('not recorded');
    return row;
  };
  const list = (who: Login, scriptId: number | string, query = '') => t.request('GET', `/web/user/script/${scriptId}/webhooks${query}`, { token: who.authorization });
  const secondsAgo = (s: number) => new Date(Date.now() - s * 1000);

  beforeAll(async () => {
    t = await startTestApp({ WEBHOOK_DELIVERY_MAX_PER_SCRIPT: String(MAX_PER_SCRIPT), DOCKER_BIN: emptyDocker() });
    admin = await registerAndLogin(t);
    alice = await registerAndLogin(t);
    bob = await registerAndLogin(t);
    expect([admin.role, alice.role, bob.role]).toEqual(['ADMIN', 'USER', 'USER']);
    deliveries = t.app.get(WebhookDeliveriesService);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lists a script’s deliveries newest first, a page at a time, in the contract’s page shape', async () => {
    const script = await createScript(alice);
    const oldest = await record(script.id, { receivedAt: secondsAgo(30), decision: 'ignored', reason: 'a ping, not a push', repository: null, tag: null, digest: null });
    const middle = await record(script.id, { receivedAt: secondsAgo(20), proof: 'missing', decision: 'bad_token', httpStatus: 404, code: 40420, source: null, payload: undefined });
    const newest = await record(script.id, { receivedAt: secondsAgo(10), deliveryId: 'evt-1' });

    const first = await list(alice, script.id, '?pageNumber=1&pageSize=2');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      code: 0,
      message: '成功',
      data: {
        content: [
          {
            id: newest.id,
            receivedAt: newest.receivedAt.toISOString(),
            source: 'aliyun',
            deliveryId: 'evt-1',
            proof: 'token',
            repository: REPO,
            tag: 'prod-1.4.7',
            digest: DIGEST,
            decision: 'no_match',
            reason: 'no service of this stack runs that repository',
            deploymentId: null,
            deploymentStatus: null,
            httpStatus: 400,
            code: 40031,
            payload: '{"push_data":{"tag":"prod-1.4.7"}}',
          },
          expect.objectContaining({ id: middle.id, source: null, proof: 'missing', decision: 'bad_token', httpStatus: 404, code: 40420, payload: null }),
        ],
        totalPages: 2,
        totalElements: 3,
        pageNumber: 1,
        pageSize: 2,
      },
    });
    const second = await list(alice, script.id, '?pageNumber=2&pageSize=2');
    expect(second.body.data.content.map((d: { id: number }) => d.id)).toEqual([oldest.id]);
    expect((await list(alice, script.id)).body.data).toMatchObject({ pageNumber: 1, pageSize: 20, totalElements: 3 });
    expect((await list(alice, script.id, '?pageSize=0')).status).toBe(400);
  });

  it('shows the status now of the deployment each delivery started or repeated, and only of this script', async () => {
    const script = await createScript(alice);
    const other = await createScript(bob);
    const succeeded = await deployment(script, 'succeeded');
    const rolledBack = await deployment(script, 'rolled_back');
    const bobs = await deployment(other, 'succeeded');
    await record(script.id, { receivedAt: secondsAgo(40), decision: 'deployed', deploymentId: succeeded, httpStatus: 200, code: 0 });
    await record(script.id, { receivedAt: secondsAgo(30), decision: 'duplicate', deploymentId: succeeded, httpStatus: 200, code: 0 });
    await record(script.id, { receivedAt: secondsAgo(20), decision: 'deployed', deploymentId: rolledBack, httpStatus: 500, code: 50012 });
    await record(script.id, { receivedAt: secondsAgo(10), decision: 'deployed', deploymentId: bobs, httpStatus: 200, code: 0 });
    const res = await list(alice, script.id);
    expect(res.body.data.content.map((d: Record<string, unknown>) => [d.decision, d.deploymentId, d.deploymentStatus])).toEqual([
      ['deployed', bobs, null],
      ['deployed', rolledBack, 'rolled_back'],
      ['duplicate', succeeded, 'succeeded'],
      ['deployed', succeeded, 'succeeded'],
    ]);
  });

  it('answers another user, an ADMIN included, with the not-found of the script detail', async () => {
    const script = await createScript(alice);
    await record(script.id);
    for (const who of [bob, admin]) {
      const detail = await t.request('GET', `/web/user/script/${script.id}`, { token: who.authorization });
      const res = await list(who, script.id);
      expect({ status: res.status, code: res.body.code, data: res.body.data }).toEqual({ status: detail.status, code: detail.body.code, data: undefined });
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 404, code: 40410 });
    }
    for (const id of ['999999999', 'abc', '0x10']) expect((await list(alice, id)).body.code).toBe(40410);
    const anonymous = await t.request('GET', `/web/user/script/${script.id}/webhooks`);
    expect({ status: anonymous.status, code: anonymous.body.code }).toEqual({ status: 401, code: 40100 });
  });

  it('keeps a script’s newest WEBHOOK_DELIVERY_MAX_PER_SCRIPT deliveries, and leaves other scripts alone', async () => {
    const script = await createScript(alice);
    const other = await createScript(alice);
    const others = [await record(other.id), await record(other.id)];
    const ids: number[] = [];
    for (let i = 0; i < MAX_PER_SCRIPT + 3; i++) ids.push((await record(script.id, { receivedAt: secondsAgo(100 - i) })).id);
    const kept = await stored().find({ where: { scriptId: script.id }, order: { id: 'ASC' } });
    expect(kept.map((r) => r.id)).toEqual(ids.slice(3));
    expect((await list(alice, script.id)).body.data.totalElements).toBe(MAX_PER_SCRIPT);
    expect((await stored().findBy({ scriptId: other.id })).map((r) => r.id)).toEqual(others.map((r) => r.id));
  });

  it('keeps only a tenth as many wrong-token calls, so they cannot push the real deliveries out', async () => {
    const script = await createScript(alice);
    const real = await record(script.id, { decision: 'deployed' });
    const wrong = [];
    for (let i = 0; i < MAX_PER_SCRIPT + 3; i++) wrong.push(await record(script.id, { decision: 'bad_token', proof: 'invalid' }));
    const kept = await stored().find({ where: { scriptId: script.id }, order: { id: 'ASC' } });
    expect(kept.map((r) => [r.id, r.decision])).toEqual([
      [real.id, 'deployed'],
      [wrong[wrong.length - 1].id, 'bad_token'],
    ]);
  });

  it('hides deliveries past the retention at once and deletes them in the sweep', async () => {
    const script = await createScript(alice);
    const old = await record(script.id, { receivedAt: new Date(Date.now() - 31 * 24 * 3600 * 1000) });
    const recent = await record(script.id, { receivedAt: secondsAgo(5) });
    expect((await list(alice, script.id)).body.data.content.map((d: { id: number }) => d.id)).toEqual([recent.id]);
    expect(await stored().existsBy({ id: old.id })).toBe(true);
    expect(await deliveries.deleteExpired()).toBeGreaterThanOrEqual(1);
    expect(await stored().existsBy({ id: old.id })).toBe(false);
    expect(await stored().existsBy({ id: recent.id })).toBe(true);
  });

  describe('findReplay', () => {
    const WINDOW = 60_000;

    it('finds an earlier deployed delivery with the same delivery id, whatever its age within the retention', async () => {
      const script = await createScript(alice);
      const first = await record(script.id, { deliveryId: 'hub-1', decision: 'deployed', deploymentId: 7, receivedAt: new Date(Date.now() - 5 * 24 * 3600 * 1000) });
      const found = await deliveries.findReplay(script.id, { deliveryId: 'hub-1', repository: REPO, tag: 'other-tag' }, WINDOW);
      expect(found).toMatchObject({ id: first.id, deploymentId: 7, decision: 'deployed' });
      expect(await deliveries.findReplay(script.id, { deliveryId: 'hub-2', repository: REPO, tag: 'other-tag' }, WINDOW)).toBeNull();
      // A delivery id longer than its column is stored cut, and looked up cut the same way.
      const long = 'x'.repeat(300);
      const cut = await record(script.id, { deliveryId: long, decision: 'deployed', deploymentId: 8 });
      expect(cut.deliveryId).toHaveLength(128);
      expect((await deliveries.findReplay(script.id, { deliveryId: long, repository: REPO, tag: 't' }, WINDOW))?.id).toBe(cut.id);
    });

    it('finds the same repository, tag and digest within the window, not outside it, not without a digest', async () => {
      const script = await createScript(alice);
      const recent = await record(script.id, { decision: 'deployed', deploymentId: 9, receivedAt: secondsAgo(30) });
      await record(script.id, { decision: 'deployed', deploymentId: 10, tag: 'older', receivedAt: secondsAgo(120) });
      const key = { repository: REPO, tag: 'prod-1.4.7', digest: DIGEST };
      expect((await deliveries.findReplay(script.id, key, WINDOW))?.id).toBe(recent.id);
      expect(await deliveries.findReplay(script.id, key, 10_000)).toBeNull();
      expect(await deliveries.findReplay(script.id, { ...key, tag: 'older' }, WINDOW)).toBeNull();
      expect((await deliveries.findReplay(script.id, { ...key, tag: 'older' }, 300_000))?.deploymentId).toBe(10);
      expect(await deliveries.findReplay(script.id, { ...key, digest: OTHER_DIGEST }, WINDOW)).toBeNull();
      expect(await deliveries.findReplay(script.id, { ...key, digest: undefined }, WINDOW)).toBeNull();
      expect(await deliveries.findReplay(script.id, { ...key, repository: `${REPO}-x` }, WINDOW)).toBeNull();
    });

    it('counts only deployed deliveries of the same script', async () => {
      const script = await createScript(alice);
      const other = await createScript(alice);
      for (const decision of ['duplicate', 'no_match', 'failed', 'refused_by_policy', 'auto_update_off'] as const) {
        await record(script.id, { decision, deliveryId: 'evt-x', deploymentId: decision === 'duplicate' ? 3 : null });
      }
      await record(other.id, { decision: 'deployed', deliveryId: 'evt-x', deploymentId: 4 });
      expect(await deliveries.findReplay(script.id, { deliveryId: 'evt-x', repository: REPO, tag: 'prod-1.4.7', digest: DIGEST }, WINDOW)).toBeNull();
      expect((await deliveries.findReplay(other.id, { deliveryId: 'evt-x', repository: REPO, tag: 'prod-1.4.7' }, WINDOW))?.deploymentId).toBe(4);
    });
  });

  it('stores values cut to their columns and a marked body excerpt, and never throws into the webhook', async () => {
    const script = await createScript(alice);
    const row = await record(script.id, { tag: 't'.repeat(200), reason: 'r'.repeat(600), payload: 'p'.repeat(10_000), source: 'a-registry-with-a-long-name' });
    const saved = await stored().findOneByOrFail({ id: row.id });
    expect(saved.tag).toBe('t'.repeat(128));
    expect(saved.source).toHaveLength(20);
    expect(saved.reason).toHaveLength(500);
    expect(saved.reason!.endsWith('…')).toBe(true);
    expect(saved.payload).toHaveLength(2048);
    expect(saved.payload).toMatch(/…\[truncated: 10000 characters in all\]$/);
    // A script that is gone (the insert breaks its foreign key): logged, not thrown.
    await expect(deliveries.record(entry(2_000_000_000))).resolves.toBeUndefined();
  });

  it('answers and logs an ignored event without echoing the sender’s event header: at most 64 printable ASCII characters of it, no markup', async () => {
    const script = await createScript(alice);
    const { pathname, search } = new URL(script.autoUpdateUrl);
    // A header carries no line breaks or NULs (neither fetch nor Node's parser lets them through); tabs and Latin-1 bytes it may.
    const hostile = `<img src=x onerror=alert(1)>\t\u00e9\u00ff</script>${'A'.repeat(10 * 1024)}`;
    const shown = /^[\x20-\x7e]{1,64} event$/;
    for (const header of ['x-github-event', 'x-gitea-event']) {
      const res = await t.request('POST', `${pathname}${search}`, { body: {}, headers: { [header]: hostile } });
      expect({ header, status: res.status, code: res.body.code }).toEqual({ header, status: 200, code: 0 });
      expect(res.body.data).toEqual([expect.stringMatching(/^ignored: /)]);
      const reason = res.body.data[0].slice('ignored: '.length);
      expect(reason).toMatch(shown);
      expect(reason).not.toMatch(/[<>]/);
    }
    const logged = (await list(alice, script.id)).body.data.content.map((d: { decision: string; reason: string }) => [d.decision, d.reason]);
    expect(logged).toEqual([
      ['ignored', expect.stringMatching(shown)],
      ['ignored', expect.stringMatching(shown)],
    ]);
    expect(JSON.stringify(logged)).not.toMatch(/[<>]|A{100}/);
  });

  it('is documented in Swagger with its item model', async () => {
    const doc = (await t.request('GET', '/docs-json')).body as unknown as { paths: Record<string, any>; components: { schemas: Record<string, any> } };
    const route = doc.paths['/web/user/script/{scriptId}/webhooks'].get;
    expect(route.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['pageNumber', 'pageSize', 'scriptId']);
    expect(Object.keys(route.responses).sort()).toEqual(['200', '400', '401', '404']);
    expect(Object.keys(doc.components.schemas.WebhookDeliveryDto.properties)).toEqual([
      'id', 'receivedAt', 'source', 'deliveryId', 'proof', 'repository', 'tag', 'digest', 'decision', 'reason',
      'deploymentId', 'deploymentStatus', 'httpStatus', 'code', 'payload',
    ]);
  });

  it('deletes a script’s deliveries with the script', async () => {
    const script = await createScript(alice);
    const kept = await createScript(alice);
    await record(script.id);
    await record(script.id, { decision: 'deployed', deploymentId: await deployment(script, 'succeeded') });
    await record(kept.id);
    const del = await t.request('DELETE', `/web/user/script/${script.id}`, { token: alice.authorization });
    expect(del.body).toEqual({ code: 0, message: '成功' });
    expect(await stored().countBy({ scriptId: script.id })).toBe(0);
    expect(await stored().countBy({ scriptId: kept.id })).toBe(1);
  });
});
