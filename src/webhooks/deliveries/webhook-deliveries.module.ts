import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Deployment } from '../../deployments/entities/deployment.entity';
import { ScriptsModule } from '../../scripts/scripts.module';
import { WebhookDeliveriesController } from './webhook-deliveries.controller';
import { WebhookDeliveriesService } from './webhook-deliveries.service';
import { WebhookDelivery } from './webhook-delivery.entity';

/**
 * The delivery log of scripts' webhooks: WebhooksModule records into it, owners read it. Reads the
 * deployments table for the linked deployments' status, without importing DeploymentsModule.
 */
@Module({
  imports: [TypeOrmModule.forFeature([WebhookDelivery, Deployment]), ScriptsModule],
  controllers: [WebhookDeliveriesController],
  providers: [WebhookDeliveriesService],
  exports: [WebhookDeliveriesService],
})
export class WebhookDeliveriesModule {}
