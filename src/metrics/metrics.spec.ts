import { loadMetricsConfig } from '../config/metrics.config';
import { loadShutdownConfig } from '../config/shutdown.config';
import { metricsTokenMatches } from './metrics-token';
import { MetricsService, UNMATCHED_ROUTE } from './metrics.service';

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

  it('clamps a negative queue depth and duration to 0 (a clock step must not make a negative sample)', async () => {
    const metrics = new MetricsService();
    metrics.queueDepth(-2);
    metrics.deploymentFinished('create', 'manual', 'succeeded', -1);
    const text = await metrics.render();
    expect(text).toContain('dds_deployment_queue_depth 0');
    expect(text).toContain('dds_deployment_duration_seconds_sum{action="create",trigger="manual",status="succeeded"} 0');
  });

  it('keeps two instances apart (one registry per app, not the global one)', async () => {
    const a = new MetricsService();
    const b = new MetricsService();
    a.webhookOutcome('accepted');
    expect(await a.render()).toContain('dds_webhook_requests_total{outcome="accepted"} 1');
    expect(await b.render()).not.toContain('outcome="accepted"');
  });
});
