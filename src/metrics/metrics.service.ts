import { Injectable, Logger } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Label for requests that matched no route: the raw URL must never become a label (ids, tokens). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Every outcome of a registry webhook call, the only values of `dds_webhook_requests_total`'s label
 * (fixed, so nothing a caller sends can become a label):
 * - succeeded / failed / rolled_back / superseded / interrupted: the rollout finished within
 *   the registry's answer time with that status;
 * - accepted: still queued or running when the registry's answer time ran out (HTTP 202);
 * - ignored: not an image push (a pull, a blob upload, another Harbor event);
 * - not_found: unknown user or service, missing or wrong token;
 * - invalid_payload, auto_update_off, no_match, refused_by_policy: refused, nothing queued;
 * - bad_signature, signature_required: the sender's signature or secret header was wrong or missing;
 * - duplicate: a replay of a delivery that already rolled;
 * - error: anything else (say, the database did not answer).
 */
export const WEBHOOK_OUTCOMES = [
  'succeeded',
  'accepted',
  'ignored',
  'not_found',
  'invalid_payload',
  'auto_update_off',
  'no_match',
  'refused_by_policy',
  'duplicate',
  'bad_signature',
  'signature_required',
  'failed',
  'rolled_back',
  'superseded',
  'interrupted',
  'error',
] as const;
export type WebhookOutcomeLabel = (typeof WEBHOOK_OUTCOMES)[number];

/** How long a scrape waits for the queue-depth query before reporting NaN. */
export const QUEUE_DEPTH_TIMEOUT_MS = 2000;

/**
 * The app's Prometheus registry and the typed methods other modules call. One registry per app
 * instance (not prom-client's global one), so several instances in one process stay separate.
 */
@Injectable()
export class MetricsService {
  private readonly logger = new Logger(MetricsService.name);
  readonly registry = new Registry();
  private queueDepthSource?: () => Promise<number>;

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
    help: 'Finished deployments by action (create, remove, update, adopt), trigger (manual, webhook) and final status',
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

  private readonly queue: Gauge = new Gauge({
    name: 'dds_deployment_queue_depth',
    help: 'Deployments waiting to run (status queued) in the database, so for every instance sharing it; NaN when the database did not answer',
    registers: [this.registry],
    // Read at scrape time: right whichever instance queued or took the work.
    collect: () => this.collectQueueDepth(),
  });

  private readonly webhooks = new Counter({
    name: 'dds_webhook_requests_total',
    help: `Registry webhook calls by outcome (${WEBHOOK_OUTCOMES.join(', ')})`,
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // Every outcome exists from the start (at 0), so rate() and alerts see a series before the first call.
    for (const outcome of WEBHOOK_OUTCOMES) this.webhooks.inc({ outcome }, 0);
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

  /** A deployment reached a final status; `seconds` (start to finish) is left out when it means nothing. */
  deploymentFinished(action: string, trigger: string, status: string, seconds?: number): void {
    this.deployments.inc({ action, trigger, status });
    if (seconds !== undefined) this.deploymentDuration.observe({ action, trigger, status }, Math.max(0, seconds));
  }

  /** Queued webhook updates overtaken by a newer push: only webhooks supersede, and only updates. */
  deploymentsSuperseded(count: number): void {
    this.deployments.inc({ action: 'update', trigger: 'webhook', status: 'superseded' }, count);
  }

  /** Where the queue-depth gauge reads its value at each scrape (a cheap COUNT). */
  trackQueueDepth(source: (() => Promise<number>) | undefined): void {
    this.queueDepthSource = source;
  }

  webhookOutcome(outcome: WebhookOutcomeLabel): void {
    this.webhooks.inc({ outcome });
  }

  /** Never fails the scrape: a database that errors or hangs makes the gauge NaN, not /metrics a 500. */
  private async collectQueueDepth(): Promise<void> {
    const source = this.queueDepthSource;
    if (!source) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      const n = await Promise.race([
        source(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${QUEUE_DEPTH_TIMEOUT_MS} ms`)), QUEUE_DEPTH_TIMEOUT_MS);
        }),
      ]);
      this.queue.set(Math.max(0, n));
    } catch (err) {
      this.queue.set(NaN);
      this.logger.warn(`dds_deployment_queue_depth: counting queued deployments failed: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }
}
