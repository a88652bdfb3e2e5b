import { registerAs } from '@nestjs/config';
import { Env, readInt } from './env';

export interface WebhooksConfig {
  /** Deliveries older than this are pruned from the delivery log. */
  deliveryRetentionMs: number;
  /** The newest deliveries kept per script; older ones are pruned as new ones arrive. */
  deliveryMaxPerScript: number;
}

export function loadWebhooksConfig(env: Env = process.env): WebhooksConfig {
  return {
    deliveryRetentionMs: readInt(env, 'WEBHOOK_DELIVERY_RETENTION_DAYS', 30, 1, 3650) * 24 * 60 * 60 * 1000,
    deliveryMaxPerScript: readInt(env, 'WEBHOOK_DELIVERY_MAX_PER_SCRIPT', 200, 10, 100_000),
  };
}

export const webhooksConfig = registerAs('webhooks', () => loadWebhooksConfig());
