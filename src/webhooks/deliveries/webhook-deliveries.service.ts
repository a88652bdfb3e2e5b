import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { FindOptionsWhere, In, LessThan, MoreThanOrEqual, Repository } from 'typeorm';
import { Page } from '../../common/dto/page.dto';
import { webhooksConfig } from '../../config/webhooks.config';
import { Deployment } from '../../deployments/entities/deployment.entity';
import { clip, payloadExcerpt } from './delivery-text';
import { WebhookDeliveryDto } from './dto/webhook-delivery.dto';
import { DELIVERY_LIMITS, WebhookDecision, WebhookDelivery, WebhookProof } from './webhook-delivery.entity';

/** One delivery to record. Strings longer than their columns are cut; never pass headers or secrets. */
export interface DeliveryEntry {
  scriptId: number;
  /** When the request arrived; now by default. */
  receivedAt?: Date;
  source?: string | null;
  deliveryId?: string | null;
  proof: WebhookProof;
  repository?: string | null;
  tag?: string | null;
  digest?: string | null;
  decision: WebhookDecision;
  reason?: string | null;
  deploymentId?: number | null;
  httpStatus: number;
  code: number;
  /** The request body (text, bytes or the parsed JSON); only its first 2,048 characters are kept. */
  payload?: unknown;
}

/** What identifies a push for replay detection. */
export interface ReplayKey {
  deliveryId?: string | null;
  repository: string;
  tag: string;
  digest?: string | null;
}

/** The global retention sweep runs at most this often per instance (each record still prunes its script by count). */
const SWEEP_INTERVAL_MS = 60_000;

/** The row an entry becomes: every string cut to its column, the body to an excerpt. */
export function deliveryRow(entry: DeliveryEntry, now = new Date()): Omit<WebhookDelivery, 'id'> {
  const L = DELIVERY_LIMITS;
  return {
    scriptId: entry.scriptId,
    receivedAt: entry.receivedAt ?? now,
    source: clip(entry.source, L.source),
    deliveryId: clip(entry.deliveryId, L.deliveryId),
    proof: entry.proof,
    repository: clip(entry.repository, L.repository),
    tag: clip(entry.tag, L.tag),
    digest: clip(entry.digest, L.digest),
    decision: entry.decision,
    reason: clip(entry.reason, L.reason, '…'),
    deploymentId: entry.deploymentId ?? null,
    httpStatus: entry.httpStatus,
    code: entry.code,
    payload: payloadExcerpt(entry.payload, L.payload),
  };
}

/** The delivery log of scripts' webhooks: recorded by the webhook, pruned as it grows, read by the owner. */
@Injectable()
export class WebhookDeliveriesService {
  private readonly logger = new Logger(WebhookDeliveriesService.name);
  private lastSweep = 0;

  constructor(
    @InjectRepository(WebhookDelivery) private readonly repo: Repository<WebhookDelivery>,
    @InjectRepository(Deployment) private readonly deployments: Repository<Deployment>,
    @Inject(webhooksConfig.KEY) private readonly config: ConfigType<typeof webhooksConfig>,
  ) {}

  /**
   * Stores one delivery and prunes the log. Never throws: a delivery log that cannot be written must
   * not change what the registry is answered, so a failure is logged and answered with undefined.
   */
  async record(entry: DeliveryEntry): Promise<WebhookDelivery | undefined> {
    let row: WebhookDelivery;
    try {
      const values = deliveryRow(entry);
      const { identifiers } = await this.repo.insert(values);
      row = Object.assign(new WebhookDelivery(), values, { id: Number(identifiers[0].id) });
    } catch (err) {
      this.logger.warn(`webhook delivery of script ${entry.scriptId} (${entry.decision}) not recorded: ${(err as Error).message}`);
      return undefined;
    }
    try {
      await this.prune(entry.scriptId, entry.decision);
    } catch (err) {
      this.logger.warn(`webhook deliveries of script ${entry.scriptId} not pruned: ${(err as Error).message}`);
    }
    return row;
  }

  /**
   * Drops the script's rows beyond WEBHOOK_DELIVERY_MAX_PER_SCRIPT, and its `bad_token` rows beyond a
   * tenth of that (enough to show a registry still using an old URL; anyone who knows a stack's URL
   * without its token can send those, and must not push the real deliveries out), and, at most once a
   * minute, every script's rows past
   * WEBHOOK_DELIVERY_RETENTION_DAYS.
   */
  async prune(scriptId: number, recorded: WebhookDecision): Promise<void> {
    await this.keepNewest(scriptId, this.config.deliveryMaxPerScript);
    // Only a new bad_token row can put its kind over the cap.
    if (recorded === 'bad_token') await this.keepNewest(scriptId, Math.ceil(this.config.deliveryMaxPerScript / 10), 'bad_token');
    const now = Date.now();
    if (now - this.lastSweep >= SWEEP_INTERVAL_MS) {
      this.lastSweep = now;
      await this.deleteExpired();
    }
  }

  /** Deletes the script's rows (of one decision, if given) below its `count`th newest. */
  private async keepNewest(scriptId: number, count: number, decision?: WebhookDecision): Promise<void> {
    // Two statements: MySQL refuses a DELETE whose subquery reads the table it deletes from.
    const qb = this.repo.createQueryBuilder('w').select('w.id', 'id').where('w.scriptId = :scriptId', { scriptId });
    if (decision) qb.andWhere('w.decision = :decision', { decision });
    const nth = await qb.orderBy('w.id', 'DESC').offset(count - 1).limit(1).getRawOne<{ id: number | string }>();
    if (nth) await this.repo.delete({ scriptId, id: LessThan(Number(nth.id)), ...(decision && { decision }) });
  }

  /** Deletes every delivery older than the retention; returns how many. */
  async deleteExpired(): Promise<number> {
    const { affected } = await this.repo.delete({ receivedAt: LessThan(this.retentionStart()) });
    return affected ?? 0;
  }

  /** Sets the answer of a delivery recorded before its rollout was waited for. */
  async answered(id: number, httpStatus: number, code: number): Promise<void> {
    await this.repo.update({ id }, { httpStatus, code }).catch((err: Error) => this.logger.warn(`webhook delivery ${id}: answer not recorded: ${err.message}`));
  }

  /**
   * The script's earlier `deployed` delivery this one repeats: the same registry delivery id (while
   * retained), or, when a digest is given, the same repository, tag and digest received within
   * `windowMs`. Null when there is none. Keys are cut like stored values, so long ones still match.
   */
  async findReplay(scriptId: number, key: ReplayKey, windowMs: number): Promise<WebhookDelivery | null> {
    const L = DELIVERY_LIMITS;
    const retained = this.retentionStart();
    const where: FindOptionsWhere<WebhookDelivery>[] = [];
    const deliveryId = clip(key.deliveryId, L.deliveryId);
    if (deliveryId) where.push({ scriptId, decision: 'deployed', deliveryId, receivedAt: MoreThanOrEqual(retained) });
    const digest = clip(key.digest, L.digest);
    const repository = clip(key.repository, L.repository);
    const tag = clip(key.tag, L.tag);
    if (digest && repository && tag) {
      const since = new Date(Math.max(Date.now() - windowMs, retained.getTime()));
      where.push({ scriptId, decision: 'deployed', repository, tag, digest, receivedAt: MoreThanOrEqual(since) });
    }
    if (!where.length) return null;
    return this.repo.findOne({ where, order: { id: 'DESC' } });
  }

  /** The script's retained deliveries, newest first, each with its deployment's status now. */
  async page(scriptId: number, pageNumber: number, pageSize: number): Promise<Page<WebhookDeliveryDto>> {
    const [rows, total] = await this.repo.findAndCount({
      where: { scriptId, receivedAt: MoreThanOrEqual(this.retentionStart()) },
      order: { receivedAt: 'DESC', id: 'DESC' },
      skip: (pageNumber - 1) * pageSize,
      take: pageSize,
    });
    const ids = [...new Set(rows.map((r) => r.deploymentId).filter((id): id is number => id !== null))];
    // Only this script's deployments: a wrong id recorded can never show another stack's status.
    const linked = ids.length ? await this.deployments.find({ select: { id: true, status: true }, where: { id: In(ids), scriptId } }) : [];
    const status = new Map(linked.map((d) => [d.id, d.status]));
    return Page.of(
      rows.map((r) => WebhookDeliveryDto.from(r, r.deploymentId === null ? null : (status.get(r.deploymentId) ?? null))),
      total,
      { pageNumber, pageSize },
    );
  }

  /** Rows received before this are past WEBHOOK_DELIVERY_RETENTION_DAYS: not shown, and swept. */
  private retentionStart(): Date {
    return new Date(Date.now() - this.config.deliveryRetentionMs);
  }
}
