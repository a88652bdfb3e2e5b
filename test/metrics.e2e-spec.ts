import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { Deployment } from '../src/deployments/entities/deployment.entity';
import { StackLocks } from '../src/deployments/stack-locks';
import { registerAndLogin, startTestApp, TestApp } from './support/test-app';

const TOKEN = 'metrics-token-0123456789abcdef';

async function scrape(t: TestApp, authorization?: string): Promise<{ status: number; contentType: string | null; text: string }> {
  const res = await fetch(`${t.baseUrl}/metrics`, { headers: authorization ? { authorization } : {} });
  return { status: res.status, contentType: res.headers.get('content-type'), text: await res.text() };
}

describe('GET /metrics with METRICS_TOKEN set', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ METRICS_TOKEN: TOKEN })));
  afterAll(() => t.close());

  it.each([
    ['no header', undefined],
    ['a wrong token', 'Bearer metrics-token-0123456789abcdeX'],
    ['a prefix of the token', `Bearer ${TOKEN.slice(0, -1)}`],
    ['the token without Bearer', TOKEN],
    ['an empty bearer', 'Bearer '],
  ])('refuses %s with the 401 envelope', async (_label, authorization) => {
    const res = await scrape(t, authorization);
    expect(res.status).toBe(401);
    expect(JSON.parse(res.text)).toMatchObject({ code: 40100 });
    expect(res.text).not.toContain('http_requests_total');
  });

  it('answers the right token in Prometheus text format, outside the envelope, with default process metrics', async () => {
    await t.request('GET', '/health/live');
    const res = await scrape(t, `Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).not.toMatch(/^\{/);
    expect(res.text).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(res.text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
    expect(res.text).toMatch(/^http_requests_total\{method="GET",route="\/health\/live",status_code="200"\} [1-9]/m);
    expect(res.text).toMatch(/^http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/health\/live",status_code="200"\} \d+/m);
  });

  it('labels requests by route template and status, never by the raw URL (no ids, no tokens)', async () => {
    const admin = await registerAndLogin(t);
    const res = await t.request('PUT', '/web/admin/users/987654321/disable', { token: admin.authorization, body: { isDisable: 1 } });
    expect(res.status).toBe(404);
    await fetch(`${t.baseUrl}/no/such/path-secret-abc123?token=leaky-token-xyz`);
    await fetch(`${t.baseUrl}/web/user/me?token=another-leaky-token`);

    const { text } = await scrape(t, `Bearer ${TOKEN}`);
    expect(text).toMatch(/^http_requests_total\{method="PUT",route="\/web\/admin\/users\/:userId\/disable",status_code="404"\} 1$/m);
    expect(text).toMatch(/^http_requests_total\{method="GET",route="unmatched",status_code="404"\} 1$/m);
    expect(text).toMatch(/^http_requests_total\{method="GET",route="\/web\/user\/me",status_code="401"\} 1$/m);
    for (const leak of ['987654321', 'path-secret-abc123', 'leaky-token-xyz', 'another-leaky-token', admin.authorization]) {
      expect(text).not.toContain(leak);
    }
  });

  it('counts real webhook calls and deployments, and reads the queue depth from the database', async () => {
    const owner = await registerAndLogin(t);
    const serviceName = `mt${Date.now().toString(36)}`;
    const saved = await t.request('POST', '/web/user/script', {
      token: owner.authorization,
      body: { serviceName, dockerComposeContent: 'services:\n  web:\n    image: registry.cn-shanghai.aliyuncs.com/pongsky/halo:1\n', isAutoUpdate: 0 },
    });
    expect(saved.body.code).toBe(0);
    const hook = new URL(saved.body.data.autoUpdateUrl);
    const push = JSON.parse(readFileSync(join(__dirname, 'fixtures/webhooks/aliyun-acr-personal.json'), 'utf8'));
    const post = (path: string) => t.request('POST', path, { body: push });
    const before = await scrape(t, `Bearer ${TOKEN}`);
    expect(before.text).toMatch(/^dds_webhook_requests_total\{outcome="not_found"\} 0$/m);
    expect(before.text).toMatch(/^dds_deployment_queue_depth 0$/m);

    expect((await post(`${hook.pathname}?token=${'A'.repeat(43)}`)).status).toBe(404);
    expect((await post(`/api/autoUpdate/${owner.id}/nosuchstack?token=${hook.searchParams.get('token')}`)).status).toBe(404);
    expect((await post(`${hook.pathname}${hook.search}`)).body.code).toBe(40370);

    // A real deployment: removing a stack that was never deployed runs `docker stack rm` on the swarm.
    const removed = await t.request('PUT', `/web/user/script/${saved.body.data.id}/removeService`, { token: owner.authorization });
    expect([removed.status, removed.body.code]).toEqual([200, 0]);
    const [row] = (await t.request('GET', `/web/user/script/${saved.body.data.id}/deployments`, { token: owner.authorization })).body.data.content;
    expect(row).toMatchObject({ action: 'remove', trigger: 'manual', status: 'succeeded' });
    const labels = 'action="remove",trigger="manual",status="succeeded"';
    const seconds = (Date.parse(row.finishedAt) - Date.parse(row.startedAt)) / 1000;

    const { text } = await scrape(t, `Bearer ${TOKEN}`);
    expect(text).toMatch(/^dds_webhook_requests_total\{outcome="not_found"\} 2$/m);
    expect(text).toMatch(/^dds_webhook_requests_total\{outcome="auto_update_off"\} 1$/m);
    expect(text).toMatch(/^dds_webhook_requests_total\{outcome="succeeded"\} 0$/m);
    expect(text).toContain(`dds_deployments_total{${labels}} 1\n`);
    expect(text).toContain(`dds_deployment_duration_seconds_count{${labels}} 1\n`);
    const sum = Number(new RegExp(`^dds_deployment_duration_seconds_sum\\{${labels}\\} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(sum).toBeCloseTo(seconds, 2);
    expect(text).toMatch(/^dds_deployment_queue_depth 0$/m);
    expect(text).not.toContain(serviceName);
  });

  it('reads the queue depth from the database at each scrape (rows any instance queued)', async () => {
    const stack = `mq${Date.now().toString(36)}`;
    // Holding the stack's lock keeps the runner from taking the rows, as if another instance ran the stack.
    const lock = await t.app.get(StackLocks).tryAcquire(stack);
    expect(lock).not.toBeNull();
    const repo = t.app.get(DataSource).getRepository(Deployment);
    try {
      const row = { userId: 1, scriptId: null, serviceName: stack, action: 'remove' as const, trigger: 'manual' as const, status: 'queued' as const, lineCount: 0 };
      await repo.insert([1, 2, 3].map(() => ({ ...row, createdAt: new Date() })));
      expect((await scrape(t, `Bearer ${TOKEN}`)).text).toMatch(/^dds_deployment_queue_depth 3$/m);
      await repo.update({ serviceName: stack }, { status: 'interrupted', finishedAt: new Date() });
      expect((await scrape(t, `Bearer ${TOKEN}`)).text).toMatch(/^dds_deployment_queue_depth 0$/m);
    } finally {
      await repo.delete({ serviceName: stack });
      await lock?.release();
    }
  });

  it('is listed in the OpenAPI document as text/plain', async () => {
    const doc = (await t.request('GET', '/docs-json')).body as unknown as { paths: Record<string, any> };
    expect(Object.keys(doc.paths['/metrics'].get.responses['200'].content)).toEqual(['text/plain']);
  });
});

describe('GET /metrics without METRICS_TOKEN', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(() => t.close());

  it('is open, and keeps each app instance in its own registry', async () => {
    const res = await scrape(t);
    expect(res.status).toBe(200);
    expect(res.text).toContain('# TYPE http_requests_total counter');
    // The other describe block's app counted deployments; this instance has none.
    expect(res.text).not.toMatch(/^dds_deployments_total\{/m);
  });
});
