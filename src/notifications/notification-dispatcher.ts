import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, Repository } from 'typeorm';
import { CoalescingLoop } from '../common/coalescing-loop';
import { notificationsConfig } from '../config/notifications.config';
import { ChannelsService } from './channels.service';
import { NotificationSender } from './channels/notification-sender';
import { NotificationDelivery } from './entities/notification-delivery.entity';
import { DeploymentNotice, SendResult } from './notice';

const POLL_MS = 2000;
/** Messages in flight per instance. */
const PARALLEL = 4;
const MAX_BACKOFF_MS = 3600_000;

/** The wait after attempt `attempts` failed: base, 2×base, 4×base, ... up to an hour. */
export function backoffMs(baseMs: number, attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, baseMs * 2 ** Math.max(0, attempts - 1));
}

/**
 * Delivers the outbox in the background. Every instance sharing the database polls it; a row is
 * claimed with a conditional UPDATE (pending → sending, with a lease), so exactly one instance sends
 * each attempt. A row whose instance died mid-send is taken again once its lease has run out.
 */
@Injectable()
export class NotificationDispatcher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(NotificationDispatcher.name);
  private readonly inFlight = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;
  private readonly loop = new CoalescingLoop(() => this.tick(), (err) => this.logger.error(`notification outbox: ${err.message}`));
  private stopping = false;

  constructor(
    @InjectRepository(NotificationDelivery) private readonly repo: Repository<NotificationDelivery>,
    private readonly channels: ChannelsService,
    private readonly sender: NotificationSender,
    @Inject(notificationsConfig.KEY) private readonly config: ConfigType<typeof notificationsConfig>,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.kick(), POLL_MS);
    this.timer.unref();
    this.kick();
  }

  /** Stops taking rows and lets the sends in flight finish (each is bounded by NOTIFICATION_TIMEOUT_SECONDS). */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await Promise.allSettled([...this.inFlight]);
  }

  /** Looks at the outbox now (after a commit that queued messages) instead of at the next poll. */
  kick(): void {
    if (!this.stopping) this.loop.kick();
  }

  private async tick(): Promise<void> {
    if (this.stopping) return;
    const free = PARALLEL - this.inFlight.size;
    if (free <= 0) return;
    const now = new Date();
    const due = await this.repo
      .createQueryBuilder('d')
      .select(['d.id', 'd.status', 'd.attempts'])
      .where(
        new Brackets((w) =>
          w.where('d.status = :pending AND d.next_attempt_at <= :now', { pending: 'pending', now }).orWhere('d.status = :sending AND d.lease_until < :now', { sending: 'sending' }),
        ),
      )
      .orderBy('d.id', 'ASC')
      .take(free)
      .getMany();
    for (const row of due) {
      if (this.stopping) return;
      const claimed = await this.claim(row);
      if (!claimed) continue;
      const sending: Promise<void> = this.deliver(claimed)
        .catch((err) => this.logger.error(`notification ${row.id}: ${(err as Error).message}`))
        .finally(() => {
          this.inFlight.delete(sending);
          this.kick();
        });
      this.inFlight.add(sending);
    }
  }

  /** pending/expired → sending, only if nobody else changed the row since it was read. */
  private async claim(row: NotificationDelivery): Promise<NotificationDelivery | null> {
    const now = new Date();
    const attempts = row.attempts + 1;
    const leaseUntil = new Date(now.getTime() + this.config.timeoutMs + 30_000);
    const { affected } = await this.repo.update({ id: row.id, status: row.status, attempts: row.attempts }, { status: 'sending', attempts, leaseUntil, lastAttemptAt: now });
    if (affected !== 1) return null;
    return this.repo.findOneBy({ id: row.id });
  }

  private async deliver(row: NotificationDelivery): Promise<void> {
    const channel = await this.channels.findById(row.channelId);
    // Deleting a channel deletes its rows too; this one went between the claim and now.
    if (!channel) return;
    let result: SendResult;
    try {
      const notice = JSON.parse(row.notice) as DeploymentNotice;
      result = await this.sender.send(this.channels.target(channel), notice, {
        language: channel.language,
        deliveryId: String(row.id),
        timeoutMs: this.config.timeoutMs,
        allowPrivate: await this.channels.mayReachPrivate(channel.userId),
      });
    } catch (err) {
      // The target cannot be decrypted (SECRETS_KEY changed) or the row is unreadable: no retry helps.
      result = { ok: false, retryable: false, response: (err as Error).message.slice(0, 1000) };
    }
    const now = new Date();
    const final = result.ok || !result.retryable || row.attempts >= this.config.maxAttempts;
    const update: Partial<NotificationDelivery> = {
      status: result.ok ? 'sent' : final ? 'failed' : 'pending',
      response: result.response.slice(0, 1000),
      leaseUntil: null,
      sentAt: result.ok ? now : null,
      nextAttemptAt: final ? row.nextAttemptAt : new Date(now.getTime() + backoffMs(this.config.retryBaseMs, row.attempts)),
    };
    // Conditional: if the lease ran out and another instance took the row, its answer counts.
    await this.repo.update({ id: row.id, status: 'sending', attempts: row.attempts }, update);
    if (!result.ok) {
      this.logger.warn(`notification ${row.id} to channel ${channel.id} (${channel.type}) attempt ${row.attempts}: ${final ? 'failed' : 'will retry'}: ${result.response.slice(0, 200)}`);
    }
  }
}
