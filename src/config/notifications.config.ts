import { Env, EnvReader, loadFeature } from './env';
import { featureConfig } from './feature-config';

export const PRIVATE_TARGET_POLICIES = ['admin', 'all', 'none'] as const;

export interface NotificationsConfig {
  /** Attempts per message before it is marked failed (the first one included). */
  maxAttempts: number;
  /** The wait before the second attempt; each later wait doubles, up to an hour. */
  retryBaseMs: number;
  /** One request to a receiver (HTTP or SMTP), all of it. */
  timeoutMs: number;
  /**
   * Whose channels may deliver to loopback, private and link-local addresses: `admin` (default), so
   * a USER cannot make the service call into its own network, `all` or `none`.
   */
  privateTargets: (typeof PRIVATE_TARGET_POLICIES)[number];
  /** Identical failures of a stack within this window after a sent one are collapsed into the next message. */
  collapseWindowMs: number;
}

export function readNotificationsConfig(env: EnvReader): NotificationsConfig {
  return {
    maxAttempts: env.int('NOTIFICATION_MAX_ATTEMPTS', 8, 1, 50),
    retryBaseMs: env.int('NOTIFICATION_RETRY_SECONDS', 10, 1, 3600) * 1000,
    timeoutMs: env.int('NOTIFICATION_TIMEOUT_SECONDS', 10, 1, 120) * 1000,
    privateTargets: env.choice('NOTIFICATION_PRIVATE_TARGETS', PRIVATE_TARGET_POLICIES, 'admin'),
    collapseWindowMs: env.int('NOTIFICATION_COLLAPSE_MINUTES', 60, 0, 7 * 24 * 60) * 60_000,
  };
}

export const loadNotificationsConfig = (env: Env): NotificationsConfig => loadFeature(env, readNotificationsConfig);
export const notificationsConfig = featureConfig<NotificationsConfig>('notifications');
