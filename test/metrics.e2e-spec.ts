import { MetricsService } from '../src/metrics/metrics.service';
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

  it('exposes the deployment and webhook series other modules report through MetricsService', async () => {
    const metrics = t.app.get(MetricsService);
    metrics.deploymentFinished('update', 'webhook', 'succeeded', 12.5);
    metrics.deploymentFinished('update', 'webhook', 'rolled_back', 40);
    metrics.queueDepth(3);
    metrics.webhookOutcome('duplicate');
    metrics.webhookOutcome('duplicate');

    const { text } = await scrape(t, `Bearer ${TOKEN}`);
    expect(text).toMatch(/^dds_deployments_total\{action="update",trigger="webhook",status="succeeded"\} 1$/m);
    expect(text).toMatch(/^dds_deployments_total\{action="update",trigger="webhook",status="rolled_back"\} 1$/m);
    expect(text).toMatch(/^dds_deployment_duration_seconds_bucket\{le="30",action="update",trigger="webhook",status="succeeded"\} 1$/m);
    expect(text).toMatch(/^dds_deployment_duration_seconds_sum\{action="update",trigger="webhook",status="rolled_back"\} 40$/m);
    expect(text).toMatch(/^dds_deployment_queue_depth 3$/m);
    expect(text).toMatch(/^dds_webhook_requests_total\{outcome="duplicate"\} 2$/m);
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
