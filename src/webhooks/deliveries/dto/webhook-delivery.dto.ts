import { ApiProperty } from '@nestjs/swagger';
import { Page } from '../../../common/dto/page.dto';
import { DEPLOYMENT_STATUSES, DeploymentStatus } from '../../../deployments/entities/deployment.entity';
import { WEBHOOK_DECISIONS, WEBHOOK_PROOFS, WebhookDecision, WebhookDelivery, WebhookProof } from '../webhook-delivery.entity';

export class WebhookDeliveryDto {
  @ApiProperty({ example: 41 })
  id: number;
  @ApiProperty({ example: '2026-11-29T12:00:00.000Z' })
  receivedAt: string;
  @ApiProperty({ example: 'aliyun', nullable: true, type: String, description: 'The registry that sent it; null when the body was not recognised' })
  source: string | null;
  @ApiProperty({ example: null, nullable: true, type: String, description: "The registry's own id of this delivery, when it sends one" })
  deliveryId: string | null;
  @ApiProperty({ enum: WEBHOOK_PROOFS, example: 'token', description: 'What proved the sender: a signed body, a secret header, the URL token; `missing` or `invalid` when nothing did' })
  proof: WebhookProof;
  @ApiProperty({ example: 'registry.cn-shanghai.aliyuncs.com/pongsky/halo', nullable: true, type: String })
  repository: string | null;
  @ApiProperty({ example: 'prod-1.4.7', nullable: true, type: String })
  tag: string | null;
  @ApiProperty({ example: 'sha256:179b742913762a68ae7344a927b105f951e7a82adc544a92bf212f1dee3f2656', nullable: true, type: String })
  digest: string | null;
  @ApiProperty({
    enum: WEBHOOK_DECISIONS,
    example: 'deployed',
    description:
      '`deployed` (a deployment was queued: deploymentId), `duplicate` (a replay of an earlier delivery: its deploymentId), `refused_by_policy`, ' +
      '`ignored` (not a pushed tag: a ping, a delete...), `no_match` (no service runs the repository), `auto_update_off`, `bad_token`, ' +
      '`bad_signature`, `signature_required`, `invalid_payload`, `failed` (the deployment could not be queued)',
  })
  decision: WebhookDecision;
  @ApiProperty({ example: null, nullable: true, type: String, description: 'Why, in plain English' })
  reason: string | null;
  @ApiProperty({ example: 12, nullable: true, type: Number })
  deploymentId: number | null;
  @ApiProperty({ enum: DEPLOYMENT_STATUSES, example: 'succeeded', nullable: true, description: "The linked deployment's status now; null without one (or once it is gone)" })
  deploymentStatus: DeploymentStatus | null;
  @ApiProperty({ example: 200, description: 'The HTTP status answered' })
  httpStatus: number;
  @ApiProperty({ example: 0, description: 'The envelope code answered (0: success)' })
  code: number;
  @ApiProperty({ example: '{"push_data":{"tag":"prod-1.4.7"},...}', nullable: true, type: String, description: 'The start of the body (at most 2,048 characters; a cut one ends with a marker). Headers are never stored' })
  payload: string | null;

  static from(d: WebhookDelivery, deploymentStatus: DeploymentStatus | null): WebhookDeliveryDto {
    return {
      id: d.id,
      receivedAt: new Date(d.receivedAt).toISOString(),
      source: d.source,
      deliveryId: d.deliveryId,
      proof: d.proof,
      repository: d.repository,
      tag: d.tag,
      digest: d.digest,
      decision: d.decision,
      reason: d.reason,
      deploymentId: d.deploymentId,
      deploymentStatus,
      httpStatus: d.httpStatus,
      code: d.code,
      payload: d.payload,
    };
  }
}

export class WebhookDeliveryPageDto extends Page<WebhookDeliveryDto> {
  @ApiProperty({ type: [WebhookDeliveryDto] })
  declare content: WebhookDeliveryDto[];
}
