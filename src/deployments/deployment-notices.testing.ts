import { loadAppConfig } from '../config/app.config';
import { loadNotificationsConfig } from '../config/notifications.config';
import { ChannelScript } from '../notifications/entities/channel-script.entity';
import { NotificationChannel } from '../notifications/entities/notification-channel.entity';
import { NotificationDelivery } from '../notifications/entities/notification-delivery.entity';
import { NotificationDispatcher } from '../notifications/notification-dispatcher';
import { NotificationOutbox } from '../notifications/notification-outbox';
import { User } from '../users/entities/user.entity';
import { DeploymentNotices } from './deployment-notices';

/** The entities the outbox reads and writes, for unit tests on an in-memory SQLite database. */
export const NOTIFICATION_TEST_ENTITIES = [User, NotificationChannel, ChannelScript, NotificationDelivery];

/** The real outbox with a dispatcher that never delivers (unit tests read the outbox table). */
export function testNotices(env: Record<string, string> = {}): DeploymentNotices {
  const dispatcher = { kick: () => undefined } as unknown as NotificationDispatcher;
  return new DeploymentNotices(new NotificationOutbox(loadNotificationsConfig(env)), dispatcher, loadAppConfig({ PUBLIC_BASE_URL: 'https://deploy.example.com' }));
}
