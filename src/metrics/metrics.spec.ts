import { loadMetricsConfig } from '../config/metrics.config';
import { loadShutdownConfig } from '../config/shutdown.config';
import { metricsTokenMatches } from './metrics-token';
import { MetricsService, QUEUE_DEPTH_TIMEOUT_MS, UNMATCHED_ROUTE, WEBHOOK_OUTCOMES } from './metrics.service';

describe('metricsTokenMatches', () => {
  const token = 'abcdefghijklmnop-0123';
  it.each([
    [`Bearer ${token}`, true],
    [`bearer ${token}`, true],
    [`Bearer   ${token}  `, true],
    [token, false],
    [`Bearer ${token}x`, false],
    [`Bearer ${token.slice(1)}`, false],
    [`Basic ${token}`, false],
    [`Bearer ${token} extra`, false],
    ['Bearer ', false],
    ['', false],
    [undefined, false],
  ])('%j -> %s', (header, expected) => {
    expect(metricsTokenMatches(header, token)).toBe(expected);
  });
});

describe('metrics and shutdown config', () => {
  it('takes METRICS_TOKEN or METRICS_TOKEN_FILE, unset by default, and refuses short tokens', () => {
    expect(loadMetricsConfig({})).toEqual({ token: undefined });
    expect(loadMetricsConfig({ METRICS_TOKEN: '  0123456789abcdef ' })).toEqual({ token: '0123456789abcdef' });
    expect(() => loadMetricsConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN must be at least 16 characters/);
    expect(() => loadMetricsConfig({ METRICS_TOKEN_FILE: '/nonexistent/metrics-token' })).toThrow(/METRICS_TOKEN_FILE: cannot read/);
  });

  it('reads SHUTDOWN_GRACE_SECONDS, 30 by default, 0..3600', () => {
    expect(loadShutdownConfig({})).toEqual({ graceSeconds: 30 });
    expect(loadShutdownConfig({ SHUTDOWN_GRACE_SECONDS: '0' })).toEqual({ graceSeconds: 0 });
    expect(() => loadShutdownConfig({ SHUTDOWN_GRACE_SECONDS: '-1' })).toThrow(/SHUTDOWN_GRACE_SECONDS must be a whole number/);
    expect(() => loadShutdownConfig({ SHUTDOWN_GRACE_SECONDS: '3601' })).toThrow(/between 0 and 3600/);
  });
});

describe('MetricsService', () => {
  it('never uses a raw URL as a label: requests without a route are "unmatched"', async () => {
    const metrics = new MetricsService();
    metrics.httpRequest('GET', undefined, 404, 0.001);
    metrics.httpRequest('PUT', '/web/user/script/:scriptId/updateService', 200, 2);
    const text = await metrics.render();
    expect(text).toContain(`http_requests_total{method="GET",route="${UNMATCHED_ROUTE}",status_code="404"} 1`);
    expect(text).toContain('http_request_duration_seconds_sum{method="PUT",route="/web/user/script/:scriptId/updateService",status_code="200"} 2');
  });

  it('clamps a negative duration to 0 (a clock step must not make a negative sample)', async () => {
    const metrics = new MetricsService();
    metrics.deploymentFinished('create', 'manual', 'succeeded', -1);
    const text = await metrics.render();
    expect(text).toContain('dds_deployment_duration_seconds_sum{action="create",trigger="manual",status="succeeded"} 0');
  });

  it('counts a deployment without a duration when none is given', async () => {
    const metrics = new MetricsService();
    metrics.deploymentFinished('update', 'webhook', 'interrupted');
    const text = await metrics.render();
    expect(text).toContain('dds_deployments_total{action="update",trigger="webhook",status="interrupted"} 1');
    expect(text).not.toContain('status="interrupted"} 0');
    expect(text).not.toMatch(/dds_deployment_duration_seconds_count\{[^}]*interrupted/);
  });

  describe('queue depth, read at scrape time', () => {
    afterEach(() => jest.useRealTimers());

    it('reads 0 with no source, then whatever the source counts (never below 0)', async () => {
      const metrics = new MetricsService();
      expect(await metrics.render()).toMatch(/^dds_deployment_queue_depth 0$/m);
      let n = 3;
      metrics.trackQueueDepth(async () => n);
      expect(await metrics.render()).toMatch(/^dds_deployment_queue_depth 3$/m);
      n = -1;
      expect(await metrics.render()).toMatch(/^dds_deployment_queue_depth 0$/m);
    });

    // prom-client writes "Nan"; Prometheus reads NaN in any case.
    it('reports NaN, not a failed scrape, when the source fails', async () => {
      const metrics = new MetricsService();
      metrics.trackQueueDepth(async () => {
        throw new Error('ECONNREFUSED');
      });
      const text = await metrics.render();
      expect(text).toMatch(/^dds_deployment_queue_depth nan$/im);
      expect(text).toContain('# TYPE http_requests_total counter');
    });

    it('reports NaN when the source does not answer in time, and recovers afterwards', async () => {
      jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
      const metrics = new MetricsService();
      let answer: Promise<number> = new Promise(() => undefined);
      metrics.trackQueueDepth(() => answer);
      const scrape = metrics.render();
      await jest.advanceTimersByTimeAsync(QUEUE_DEPTH_TIMEOUT_MS);
      expect(await scrape).toMatch(/^dds_deployment_queue_depth nan$/im);
      answer = Promise.resolve(2);
      expect(await metrics.render()).toMatch(/^dds_deployment_queue_depth 2$/m);
    });
  });

  it('starts every webhook outcome at 0', async () => {
    const text = await new MetricsService().render();
    for (const outcome of WEBHOOK_OUTCOMES) expect(text).toContain(`dds_webhook_requests_total{outcome="${outcome}"} 0`);
  });

  it('keeps two instances apart (one registry per app, not the global one)', async () => {
    const a = new MetricsService();
    const b = new MetricsService();
    a.webhookOutcome('accepted');
    expect(await a.render()).toContain('dds_webhook_requests_total{outcome="accepted"} 1');
    expect(await b.render()).toContain('dds_webhook_requests_total{outcome="accepted"} 0');
  });
});
