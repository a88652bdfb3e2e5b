import { Module } from '@nestjs/common';
import { DeploymentsModule } from '../deployments/deployments.module';
import { ScriptsModule } from '../scripts/scripts.module';
import { WebhookDeliveriesModule } from './deliveries/webhook-deliveries.module';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

@Module({
  imports: [ScriptsModule, DeploymentsModule, WebhookDeliveriesModule],
  controllers: [WebhooksController],
  providers: [WebhooksService],
})
export class WebhooksModule {}
