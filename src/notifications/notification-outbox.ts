import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { createHash } from 'node:crypto';
import { EntityManager, In, LessThan, Not } from 'typeorm';
import { notificationsConfig } from '../config/notifications.config';
import { ChannelScript } from './entities/channel-script.entity';
import { NotificationChannel } from './entities/notification-channel.entity';
import { NotificationDelivery } from './entities/notification-delivery.entity';
import { DeploymentNotice, FAILURE_EVENTS, NotificationEvent } from './notice';

/** Outcomes that end a deployment that ran (superseded ones never ran; `started` is not an outcome). */
const OUTCOME_EVENTS: NotificationEvent[] = ['succeeded', ...FAILURE_EVENTS];

/** One deployment event to tell the owner's channels about. */
export interface NoticeRequest {
  /** The script owner, whose channels are used. */
  userId: number;
  scriptId: number;
  /** Built only when the owner has a channel for the script (it costs queries). */
  notice: () => Promise<DeploymentNotice>;
}

/**
 * Writes the messages a deployment's new state calls for into the outbox, with the EntityManager of
 * the transaction that records that state: the state and its messages are saved together or not at
 * all. Delivery happens later (NotificationDispatcher), so a slow receiver never holds up a rollout.
 */
@Injectable()
export class NotificationOutbox {
  constructor(@Inject(notificationsConfig.KEY) private readonly config: ConfigType<typeof notificationsConfig>) {}

  /** Returns how many messages were queued for sending. */
  async enqueue(manager: EntityManager, { userId, scriptId, notice: build }: NoticeRequest): Promise<number> {
    const channels = await this.channelsFor(manager, userId, scriptId);
    if (!channels.length) return 0;
    const notice = await build();
    const { event, recovered } = notice;
    const wanted = channels.filter((c) => c.events.includes(event) || (recovered && c.events.some((e) => OUTCOME_EVENTS.includes(e))));
    if (!wanted.length) return 0;
    const fingerprint = FAILURE_EVENTS.includes(event) ? failureFingerprint(notice) : null;
    const deliveries = manager.getRepository(NotificationDelivery);
    let queued = 0;
    for (const channel of wanted) {
      const { collapse, repeats } = await this.collapse(manager, channel.id, notice.stack, fingerprint);
      const now = new Date();
      await deliveries.insert({
        channelId: channel.id,
        deploymentId: notice.deploymentId,
        serviceName: notice.stack,
        event,
        status: collapse ? 'collapsed' : 'pending',
        notice: JSON.stringify({ ...notice, repeats }),
        fingerprint,
        attempts: 0,
        nextAttemptAt: now,
        leaseUntil: null,
        lastAttemptAt: null,
        sentAt: null,
        response: collapse ? 'identical to the failure reported before: counted in the next message about this stack' : null,
        createdAt: now,
      });
      if (!collapse) queued++;
    }
    return queued;
  }

  /** The channels attached to the script, or else the owner's default channels. */
  private async channelsFor(manager: EntityManager, userId: number, scriptId: number): Promise<NotificationChannel[]> {
    const channels = manager.getRepository(NotificationChannel);
    const attached = await manager.getRepository(ChannelScript).find({ where: { scriptId } });
    if (attached.length) return channels.find({ where: { id: In(attached.map((a) => a.channelId)), userId } });
    return channels.find({ where: { userId, isDefault: 1 } });
  }

  /**
   * A failure identical to the last message this channel got about the stack, reported less than the
   * collapse window ago, is collapsed. Every message that is sent counts the collapsed ones before it.
   */
  private async collapse(manager: EntityManager, channelId: number, stack: string, fingerprint: string | null): Promise<{ collapse: boolean; repeats: number }> {
    const deliveries = manager.getRepository(NotificationDelivery);
    const last = await deliveries.findOne({
      select: { id: true, fingerprint: true, createdAt: true },
      where: { channelId, serviceName: stack, event: In(OUTCOME_EVENTS), status: Not('collapsed') },
      order: { id: 'DESC' },
    });
    if (!last) return { collapse: false, repeats: 0 };
    const recent = Date.now() - new Date(last.createdAt).getTime() < this.config.collapseWindowMs;
    if (fingerprint !== null && last.fingerprint === fingerprint && recent) return { collapse: true, repeats: 0 };
    const repeats = await deliveries.count({ where: { channelId, serviceName: stack, status: 'collapsed', id: Not(LessThan(last.id)) } });
    return { collapse: false, repeats };
  }
}

/**
 * Two failures are the same when they fail the same way: event, error code and error text, digests
 * aside (every push of a broken tag has a new one).
 */
export function failureFingerprint(n: Pick<DeploymentNotice, 'event' | 'errorCode' | 'error'>): string {
  const error = (n.error ?? '').replace(/sha256:[a-f0-9]{64}/g, 'sha256:…');
  return createHash('sha256').update(`${n.event}\n${n.errorCode}\n${error}`).digest('hex');
}
