import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { Page, PageQueryDto } from '../../common/dto/page.dto';
import { DELIVERY_STATUSES, DeliveryStatus, NotificationDelivery } from '../entities/notification-delivery.entity';
import { DeploymentNotice, NOTIFICATION_EVENTS, NotificationEvent } from '../notice';

export class DeliveryQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: DELIVERY_STATUSES, description: 'Only messages in this state' })
  @IsOptional()
  @IsIn(DELIVERY_STATUSES)
  status?: DeliveryStatus;
}

export class DeliveryDto {
  @ApiProperty({ example: 12 })
  id: number;
  @ApiProperty({ example: 34 })
  deploymentId: number;
  @ApiProperty({ example: 'halo', description: 'The stack' })
  stack: string;
  @ApiProperty({ enum: NOTIFICATION_EVENTS, example: 'rolled_back' })
  event: NotificationEvent;
  @ApiProperty({
    enum: DELIVERY_STATUSES,
    example: 'sent',
    description: '`pending` (waiting for its next attempt), `sending`, `sent`, `failed` (out of attempts or refused for good), `collapsed` (an identical failure counted in the next message)',
  })
  status: DeliveryStatus;
  @ApiProperty({ example: 1 })
  attempts: number;
  @ApiProperty({ example: 0, description: 'Identical failures this message counts that were not sent on their own' })
  repeats: number;
  @ApiProperty({ example: false, description: 'A success after failures' })
  recovered: boolean;
  @ApiProperty({ example: 'HTTP 200 {"errcode":0,"errmsg":"ok"}', nullable: true, type: String, description: 'What the receiver answered last' })
  response: string | null;
  @ApiProperty({ example: '2026-11-29T12:00:00.000Z' })
  createdAt: string;
  @ApiProperty({ example: '2026-11-29T12:00:01.000Z', nullable: true, type: String })
  lastAttemptAt: string | null;
  @ApiProperty({ example: null, nullable: true, type: String, description: 'When the next attempt is due (pending only)' })
  nextAttemptAt: string | null;
  @ApiProperty({ example: '2026-11-29T12:00:01.000Z', nullable: true, type: String })
  sentAt: string | null;

  static from(d: NotificationDelivery): DeliveryDto {
    const iso = (t: Date | null) => (t ? new Date(t).toISOString() : null);
    let notice: Partial<DeploymentNotice> = {};
    try {
      notice = JSON.parse(d.notice) as DeploymentNotice;
    } catch {
      // An unreadable row is still listed.
    }
    return {
      id: d.id,
      deploymentId: d.deploymentId,
      stack: d.serviceName,
      event: d.event,
      status: d.status,
      attempts: d.attempts,
      repeats: notice.repeats ?? 0,
      recovered: notice.recovered ?? false,
      response: d.response,
      createdAt: iso(d.createdAt)!,
      lastAttemptAt: iso(d.lastAttemptAt),
      nextAttemptAt: d.status === 'pending' ? iso(d.nextAttemptAt) : null,
      sentAt: iso(d.sentAt),
    };
  }
}

export class DeliveryPageDto extends Page<DeliveryDto> {
  @ApiProperty({ type: [DeliveryDto] })
  declare content: DeliveryDto[];
}
