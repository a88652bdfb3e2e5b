import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Label for requests that matched no route: the raw URL must never become a label (ids, tokens). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The app's Prometheus registry and the typed methods other modules call. One registry per app
 * instance (not prom-client's global one), so several instances in one process stay separate.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [this.registry],
  });

  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  private readonly deployments = new Counter({
    name: 'dds_deployments_total',
    help: 'Finished deployments by action (create, remove, update), trigger (manual, webhook) and final status',
    labelNames: ['action', 'trigger', 'status'] as const,
    registers: [this.registry],
  });

  private readonly deploymentDuration = new Histogram({
    name: 'dds_deployment_duration_seconds',
    help: 'Deployment duration from start to final status, by action, trigger and status',
    labelNames: ['action', 'trigger', 'status'] as const,
    // A stack deploy returns in seconds; a rolling update of several tasks takes minutes.
    buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
    registers: [this.registry],
  });

  private readonly queue = new Gauge({
    name: 'dds_deployment_queue_depth',
    help: 'Deployments queued or running in this instance',
    registers: [this.registry],
  });

  private readonly webhooks = new Counter({
    name: 'dds_webhook_requests_total',
    help: 'Registry webhook calls by outcome (e.g. accepted, duplicate, ignored, unauthorized, disabled, no_match, invalid)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  httpRequest(method: string, route: string | undefined, statusCode: number, seconds: number): void {
    const labels = { method, route: route ?? UNMATCHED_ROUTE, status_code: String(statusCode) };
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }

  deploymentFinished(action: string, trigger: string, status: string, seconds: number): void {
    this.deployments.inc({ action, trigger, status });
    this.deploymentDuration.observe({ action, trigger, status }, Math.max(0, seconds));
  }

  queueDepth(n: number): void {
    this.queue.set(Math.max(0, n));
  }

  webhookOutcome(outcome: string): void {
    this.webhooks.inc({ outcome });
  }
}
