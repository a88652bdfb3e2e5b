import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EncryptionModule } from '../encryption/encryption.module';
import { Script } from '../scripts/entities/script.entity';
import { User } from '../users/entities/user.entity';
import { ChannelsController } from './channels.controller';
import { ChannelsService } from './channels.service';
import { NotificationSender } from './channels/notification-sender';
import { ChannelScript } from './entities/channel-script.entity';
import { NotificationChannel } from './entities/notification-channel.entity';
import { NotificationDelivery } from './entities/notification-delivery.entity';
import { NotificationDispatcher } from './notification-dispatcher';
import { NotificationOutbox } from './notification-outbox';

/**
 * Deployment messages: users' channels, the outbox that DeploymentsModule writes in the transaction
 * of each deployment state, and its background delivery. Imports no feature module (deployments
 * import this one).
 */
@Module({
  imports: [TypeOrmModule.forFeature([NotificationChannel, ChannelScript, NotificationDelivery, Script, User]), EncryptionModule],
  controllers: [ChannelsController],
  providers: [ChannelsService, NotificationSender, NotificationOutbox, NotificationDispatcher],
  exports: [NotificationOutbox, NotificationDispatcher],
})
export class NotificationsModule {}
