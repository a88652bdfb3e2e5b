import { Env, EnvReader, loadFeature } from './env';
import { featureConfig } from './feature-config';

export interface WebhooksConfig {
  /** Deliveries older than this are pruned from the delivery log. */
  deliveryRetentionMs: number;
  /** The newest deliveries kept per script; older ones are pruned as new ones arrive. */
  deliveryMaxPerScript: number;
  /** A push of the same repository, tag and digest within this window is a replay and rolls nothing. */
  replayWindowMs: number;
}

export function readWebhooksConfig(env: EnvReader): WebhooksConfig {
  return {
    deliveryRetentionMs: env.int('WEBHOOK_DELIVERY_RETENTION_DAYS', 30, 1, 3650) * 24 * 60 * 60 * 1000,
    deliveryMaxPerScript: env.int('WEBHOOK_DELIVERY_MAX_PER_SCRIPT', 200, 10, 100_000),
    replayWindowMs: env.int('WEBHOOK_REPLAY_WINDOW_SECONDS', 86_400, 0, 30 * 86_400) * 1000,
  };
}

export const loadWebhooksConfig = (env: Env): WebhooksConfig => loadFeature(env, readWebhooksConfig);
export const webhooksConfig = featureConfig<WebhooksConfig>('webhooks');
