import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { NotificationEvent } from '../notice';

/**
 * `pending`: waiting for its (next) attempt; `sending`: an instance holds it until `lease_until`;
 * `sent`; `failed`: out of attempts or refused for good; `collapsed`: an identical failure folded
 * into the stack's next message instead of being sent.
 */
export const DELIVERY_STATUSES = ['pending', 'sending', 'sent', 'failed', 'collapsed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One message for one channel: the outbox row while it waits, its delivery record afterwards. */
@Entity('notification_deliveries')
export class NotificationDelivery {
  @PrimaryGeneratedColumn('increment', { type: 'integer' })
  id: number;

  @Column({ name: 'channel_id', type: 'integer' })
  channelId: number;

  @Column({ name: 'deployment_id', type: 'integer' })
  deploymentId: number;

  /** The stack, for collapsing its repeated failures per channel. */
  @Column({ name: 'service_name', type: 'varchar', length: 30 })
  serviceName: string;

  @Column({ type: 'varchar', length: 16 })
  event: NotificationEvent;

  @Column({ type: 'varchar', length: 12 })
  status: DeliveryStatus;

  /** The DeploymentNotice as JSON: what the message says, fixed when the event happened. */
  @Column({ type: 'text' })
  notice: string;

  /** For failures: what makes two of them identical (event, error code, error). */
  @Column({ type: 'varchar', length: 64, nullable: true })
  fingerprint: string | null;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @Column({ name: 'next_attempt_at', type: 'datetime', precision: 3 })
  nextAttemptAt: Date;

  @Column({ name: 'lease_until', type: 'datetime', precision: 3, nullable: true })
  leaseUntil: Date | null;

  @Column({ name: 'last_attempt_at', type: 'datetime', precision: 3, nullable: true })
  lastAttemptAt: Date | null;

  @Column({ name: 'sent_at', type: 'datetime', precision: 3, nullable: true })
  sentAt: Date | null;

  /** What the receiver said last (bounded, never a secret). */
  @Column({ type: 'varchar', length: 1000, nullable: true })
  response: string | null;

  @Column({ name: 'created_at', type: 'datetime', precision: 3 })
  createdAt: Date;
}
