import { ConfigError } from './env';
import { loadWebhooksConfig } from './webhooks.config';

describe('loadWebhooksConfig', () => {
  it('keeps 30 days and 200 deliveries per script, and treats a push as a replay for a day, by default', () => {
    expect(loadWebhooksConfig({})).toEqual({ deliveryRetentionMs: 30 * 86_400_000, deliveryMaxPerScript: 200, replayWindowMs: 86_400_000 });
  });

  it('reads every setting', () => {
    expect(loadWebhooksConfig({ WEBHOOK_DELIVERY_RETENTION_DAYS: '1', WEBHOOK_DELIVERY_MAX_PER_SCRIPT: '10', WEBHOOK_REPLAY_WINDOW_SECONDS: '0' })).toEqual({
      deliveryRetentionMs: 86_400_000,
      deliveryMaxPerScript: 10,
      replayWindowMs: 0,
    });
  });

  it.each([
    [{ WEBHOOK_DELIVERY_RETENTION_DAYS: '0' }, /WEBHOOK_DELIVERY_RETENTION_DAYS must be between 1 and 3650/],
    [{ WEBHOOK_DELIVERY_RETENTION_DAYS: '3651' }, /WEBHOOK_DELIVERY_RETENTION_DAYS/],
    [{ WEBHOOK_DELIVERY_MAX_PER_SCRIPT: '9' }, /WEBHOOK_DELIVERY_MAX_PER_SCRIPT must be between 10 and 100000/],
    [{ WEBHOOK_REPLAY_WINDOW_SECONDS: '-1' }, /WEBHOOK_REPLAY_WINDOW_SECONDS/],
    [{ WEBHOOK_DELIVERY_MAX_PER_SCRIPT: 'many' }, /WEBHOOK_DELIVERY_MAX_PER_SCRIPT must be a whole number/],
  ])('refuses %j', (env, message) => {
    expect(() => loadWebhooksConfig(env)).toThrow(ConfigError);
    expect(() => loadWebhooksConfig(env)).toThrow(message);
  });
});
