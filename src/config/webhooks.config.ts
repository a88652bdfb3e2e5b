import { registerAs } from '@nestjs/config';
import { Env, readInt } from './env';

export interface WebhooksConfig {
  /** Deliveries older than this are pruned from the delivery log. */
  deliveryRetentionMs: number;
  /** The newest deliveries kept per script; older ones are pruned as new ones arrive. */
  deliveryMaxPerScript: number;
  /** A push of the same repository, tag and digest within this window is a replay and rolls nothing. */
  replayWindowMs: number;
}

export function loadWebhooksConfig(env: Env = process.env): WebhooksConfig {
  return {
    deliveryRetentionMs: readInt(env, 'WEBHOOK_DELIVERY_RETENTION_DAYS', 30, 1, 3650) * 24 * 60 * 60 * 1000,
    deliveryMaxPerScript: readInt(env, 'WEBHOOK_DELIVERY_MAX_PER_SCRIPT', 200, 10, 100_000),
    replayWindowMs: readInt(env, 'WEBHOOK_REPLAY_WINDOW_SECONDS', 86_400, 0, 30 * 86_400) * 1000,
  };
}

export const webhooksConfig = registerAs('webhooks', () => loadWebhooksConfig());
