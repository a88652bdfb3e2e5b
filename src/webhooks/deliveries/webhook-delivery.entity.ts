import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * What became of a delivery: `deployed` (a deployment was queued or run), `duplicate` (a replay of
 * an earlier deployed delivery), `refused_by_policy`, `ignored` (not a pushed tag: a ping, a delete,
 * a blob...), `no_match` (no service runs the repository), `auto_update_off`, `bad_token`,
 * `bad_signature`, `signature_required`, `invalid_payload`, `failed` (the service could not queue it).
 */
export const WEBHOOK_DECISIONS = [
  'deployed',
  'duplicate',
  'refused_by_policy',
  'ignored',
  'no_match',
  'auto_update_off',
  'bad_token',
  'bad_signature',
  'signature_required',
  'invalid_payload',
  'failed',
] as const;
export type WebhookDecision = (typeof WEBHOOK_DECISIONS)[number];

/** What proved the sender: a signed body, a secret header, the URL token, nothing, or a wrong proof. */
export const WEBHOOK_PROOFS = ['signature', 'header', 'token', 'missing', 'invalid'] as const;
export type WebhookProof = (typeof WEBHOOK_PROOFS)[number];

/** Column sizes, for truncating what a registry sends before it is stored. */
export const DELIVERY_LIMITS = {
  source: 20,
  deliveryId: 128,
  proof: 20,
  repository: 255,
  tag: 128,
  digest: 100,
  decision: 24,
  reason: 500,
  payload: 2048,
} as const;

/**
 * One call of a script's webhook URL and what came of it. Never headers or secrets: the payload is
 * an excerpt of the body. Rows go with their script (ON DELETE CASCADE) and are pruned by age and
 * count (WEBHOOK_DELIVERY_RETENTION_DAYS, WEBHOOK_DELIVERY_MAX_PER_SCRIPT).
 */
@Entity('webhook_deliveries')
@Index('idx_webhook_deliveries_script_received', ['scriptId', 'receivedAt'])
@Index('idx_webhook_deliveries_received', ['receivedAt'])
export class WebhookDelivery {
  @PrimaryGeneratedColumn('increment', { type: 'integer' })
  id: number;

  @Column({ name: 'script_id', type: 'integer' })
  scriptId: number;

  @Column({ name: 'received_at', type: 'datetime', precision: 3 })
  receivedAt: Date;

  /** The registry (aliyun, dockerhub, harbor, github, ...); null when the body was not recognised. */
  @Column({ type: 'varchar', length: 20, nullable: true })
  source: string | null;

  /** The registry's own id of this delivery, when it sends one. */
  @Column({ name: 'delivery_id', type: 'varchar', length: 128, nullable: true })
  deliveryId: string | null;

  @Column({ type: 'varchar', length: 20 })
  proof: WebhookProof;

  @Column({ type: 'varchar', length: 255, nullable: true })
  repository: string | null;

  @Column({ type: 'varchar', length: 128, nullable: true })
  tag: string | null;

  @Column({ type: 'varchar', length: 100, nullable: true })
  digest: string | null;

  @Column({ type: 'varchar', length: 24 })
  decision: WebhookDecision;

  /** Why, in plain English. */
  @Column({ type: 'varchar', length: 500, nullable: true })
  reason: string | null;

  /** `deployed`: the deployment it queued; `duplicate`: the one of the delivery it repeats. */
  @Column({ name: 'deployment_id', type: 'integer', nullable: true })
  deploymentId: number | null;

  @Column({ name: 'http_status', type: 'smallint' })
  httpStatus: number;

  /** The envelope code it was answered with (0 on success). */
  @Column({ type: 'integer' })
  code: number;

  /** The start of the body (at most 2,048 characters, marked when cut). */
  @Column({ type: 'text', nullable: true })
  payload: string | null;
}
