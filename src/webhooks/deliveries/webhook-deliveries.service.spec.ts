import { Logger } from '@nestjs/common';
import type { Repository } from 'typeorm';
import { loadWebhooksConfig } from '../../config/webhooks.config';
import type { Deployment } from '../../deployments/entities/deployment.entity';
import { DeliveryEntry, deliveryRow, WebhookDeliveriesService } from './webhook-deliveries.service';
import type { WebhookDelivery } from './webhook-delivery.entity';

const entry: DeliveryEntry = { scriptId: 3, proof: 'token', decision: 'no_match', httpStatus: 400, code: 40071 };

/** Any method a test did not give fails the test. */
function strict<T extends object>(given: Partial<Record<keyof T, unknown>>): T {
  return new Proxy(given, {
    get: (target, name) => (name in target ? target[name as keyof typeof target] : () => { throw new Error(`unexpected call: ${String(name)}`); }),
  }) as T;
}

describe('deliveryRow', () => {
  it('turns an entry into a row: optional fields null, the body an excerpt, received now', () => {
    const now = new Date('2026-11-29T12:00:00.000Z');
    expect(deliveryRow({ ...entry, payload: { push_data: { tag: 'v1' } } }, now)).toEqual({
      scriptId: 3,
      receivedAt: now,
      source: null,
      deliveryId: null,
      proof: 'token',
      repository: null,
      tag: null,
      digest: null,
      decision: 'no_match',
      reason: null,
      deploymentId: null,
      httpStatus: 400,
      code: 40071,
      payload: '{"push_data":{"tag":"v1"}}',
    });
  });

  it('cuts every string to its column, the reason with an ellipsis', () => {
    const row = deliveryRow({
      ...entry,
      source: 's'.repeat(30),
      deliveryId: 'd'.repeat(200),
      repository: 'r'.repeat(300),
      tag: 't'.repeat(200),
      digest: 'g'.repeat(150),
      reason: 'why '.repeat(200),
      payload: 'p'.repeat(3000),
    });
    expect([row.source, row.deliveryId, row.repository, row.tag, row.digest, row.reason, row.payload].map((v) => v!.length)).toEqual([20, 128, 255, 128, 100, 500, 2048]);
    expect(row.reason!.endsWith('…')).toBe(true);
    expect(row.payload).toMatch(/…\[truncated: 3000 characters in all\]$/);
  });

  it('keeps a given receivedAt and deploymentId', () => {
    const at = new Date('2026-01-01T00:00:00.000Z');
    expect(deliveryRow({ ...entry, receivedAt: at, decision: 'deployed', deploymentId: 12 })).toMatchObject({ receivedAt: at, deploymentId: 12 });
  });
});

describe('WebhookDeliveriesService.record', () => {
  const config = loadWebhooksConfig({});
  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  it('logs a failed insert instead of throwing into the webhook', async () => {
    const repo = strict<Repository<WebhookDelivery>>({ insert: jest.fn().mockRejectedValue(new Error('database is locked')) });
    const service = new WebhookDeliveriesService(repo, strict<Repository<Deployment>>({}), config);
    await expect(service.record(entry)).resolves.toBeUndefined();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('database is locked'));
  });

  it('returns the row when only the pruning fails, and logs that', async () => {
    const repo = strict<Repository<WebhookDelivery>>({
      insert: jest.fn().mockResolvedValue({ identifiers: [{ id: 5 }] }),
      createQueryBuilder: jest.fn(() => { throw new Error('prune failed'); }),
    });
    const service = new WebhookDeliveriesService(repo, strict<Repository<Deployment>>({}), config);
    await expect(service.record(entry)).resolves.toMatchObject({ id: 5, scriptId: 3, decision: 'no_match' });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('prune failed'));
  });
});
