import { DataSource, Repository } from 'typeorm';
import { loadNotificationsConfig } from '../config/notifications.config';
import { dataSourceOptions } from '../database/data-source-options';
import { Deployment } from '../deployments/entities/deployment.entity';
import { Script } from '../scripts/entities/script.entity';
import { User } from '../users/entities/user.entity';
import { ChannelsService } from './channels.service';
import { NotificationSender } from './channels/notification-sender';
import { ChannelScript } from './entities/channel-script.entity';
import { NotificationChannel } from './entities/notification-channel.entity';
import { NotificationDelivery } from './entities/notification-delivery.entity';
import { backoffMs, NotificationDispatcher } from './notification-dispatcher';
import { SendResult } from './notice';

/** A receiver stand-in: answers from a script per delivery id, counts every attempt. */
class FakeSender {
  readonly attempts: string[] = [];
  answers = new Map<string, SendResult[]>();
  delayMs = 0;
  async send(_target: unknown, _notice: unknown, opts: { deliveryId: string }): Promise<SendResult> {
    this.attempts.push(opts.deliveryId);
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    const queue = this.answers.get(opts.deliveryId);
    return (queue && queue.length > 1 ? queue.shift() : queue?.[0]) ?? { ok: true, retryable: false, response: 'HTTP 200 ok' };
  }
}

async function until(cond: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('NotificationDispatcher (SQLite)', () => {
  let ds: DataSource;
  let repo: Repository<NotificationDelivery>;
  let sender: FakeSender;
  let dispatchers: NotificationDispatcher[];
  let deployments = 0;

  const channels = {
    findById: async (id: number) => ({ id, userId: 1, type: 'webhook', language: 'en' }) as NotificationChannel,
    target: () => ({ type: 'webhook', url: 'https://example.com/hook' }),
    mayReachPrivate: async () => false,
  } as unknown as ChannelsService;

  const dispatcher = (env: Record<string, string> = {}) =>
    new NotificationDispatcher(repo, channels, sender as unknown as NotificationSender, loadNotificationsConfig({ NOTIFICATION_RETRY_SECONDS: '1', ...env }));

  beforeEach(async () => {
    ds = new DataSource({ ...dataSourceOptions({ type: 'sqlite', path: ':memory:' }), entities: [User, Script, Deployment, NotificationChannel, ChannelScript, NotificationDelivery] });
    await ds.initialize();
    await ds.runMigrations();
    await ds.query("INSERT INTO users (username, password_hash, name, phone, role) VALUES ('u', 'x', 'u', '1', 'ADMIN')");
    await ds.getRepository(NotificationChannel).insert({ userId: 1, name: 'c', type: 'webhook', language: 'en', events: ['failed'], isDefault: 1, targetEncrypted: 'x', targetSummary: 'x' });
    repo = ds.getRepository(NotificationDelivery);
    sender = new FakeSender();
    dispatchers = [];
  });

  afterEach(async () => {
    for (const d of dispatchers) await d.beforeApplicationShutdown();
    await ds.destroy();
  });

  async function queue(n: number, over: Partial<NotificationDelivery> = {}): Promise<number[]> {
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
      const { identifiers } = await repo.insert({
        channelId: 1,
        deploymentId: ++deployments,
        serviceName: 's',
        event: 'failed',
        status: 'pending',
        notice: '{}',
        fingerprint: null,
        attempts: 0,
        nextAttemptAt: new Date(),
        leaseUntil: null,
        lastAttemptAt: null,
        sentAt: null,
        response: null,
        createdAt: new Date(),
        ...over,
      });
      ids.push(Number(identifiers[0].id));
    }
    return ids;
  }
  const start = (...list: NotificationDispatcher[]) => {
    dispatchers.push(...list);
    list.forEach((d) => d.onApplicationBootstrap());
  };
  const statuses = async () => (await repo.find({ order: { id: 'ASC' } })).map((r) => r.status);

  it('sends every message exactly once with two instances polling one database', async () => {
    const ids = await queue(30);
    sender.delayMs = 5;
    start(dispatcher(), dispatcher());
    await until(async () => (await statuses()).every((s) => s === 'sent'), 'every message sent');
    expect([...sender.attempts].sort()).toEqual(ids.map(String).sort());
    expect(new Set((await repo.find()).map((r) => r.attempts))).toEqual(new Set([1]));
  });

  it('retries a retryable failure with backoff, then records the answer it got', async () => {
    const [id] = await queue(1);
    sender.answers.set(String(id), [
      { ok: false, retryable: true, response: 'HTTP 500 upstream exploded' },
      { ok: true, retryable: false, response: 'HTTP 200 ok' },
    ]);
    start(dispatcher());
    await until(async () => {
      const row = await repo.findOneByOrFail({ id });
      return row.status === 'pending' && row.attempts === 1;
    }, 'the first attempt');
    const waiting = await repo.findOneByOrFail({ id });
    expect(waiting.response).toBe('HTTP 500 upstream exploded');
    expect(new Date(waiting.nextAttemptAt).getTime()).toBeGreaterThan(Date.now() + 500);
    await until(async () => (await repo.findOneByOrFail({ id })).status === 'sent', 'the retry', 5000);
    expect(await repo.findOneByOrFail({ id })).toMatchObject({ attempts: 2, response: 'HTTP 200 ok', leaseUntil: null });
  });

  it('gives up at once on a refusal no retry can fix, and after NOTIFICATION_MAX_ATTEMPTS otherwise', async () => {
    const [refused, down] = await queue(2);
    sender.answers.set(String(refused), [{ ok: false, retryable: false, response: 'HTTP 200 {"errcode":310000}' }]);
    sender.answers.set(String(down), [{ ok: false, retryable: true, response: 'connect ECONNREFUSED' }]);
    start(dispatcher({ NOTIFICATION_MAX_ATTEMPTS: '2' }));
    await until(async () => (await statuses()).every((s) => s === 'failed'), 'both to fail', 8000);
    expect(await repo.findOneByOrFail({ id: refused })).toMatchObject({ attempts: 1, response: 'HTTP 200 {"errcode":310000}' });
    expect(await repo.findOneByOrFail({ id: down })).toMatchObject({ attempts: 2, response: 'connect ECONNREFUSED' });
  });

  it('takes over a message whose instance died mid-send once its lease ran out, and never one still leased', async () => {
    const [expired] = await queue(1, { status: 'sending', attempts: 1, leaseUntil: new Date(Date.now() - 1000) });
    const [leased] = await queue(1, { status: 'sending', attempts: 1, leaseUntil: new Date(Date.now() + 60_000) });
    const [collapsed] = await queue(1, { status: 'collapsed' });
    start(dispatcher());
    await until(async () => (await repo.findOneByOrFail({ id: expired })).status === 'sent', 'the expired lease to be taken over');
    await new Promise((r) => setTimeout(r, 300));
    expect(sender.attempts).toEqual([String(expired)]);
    expect((await repo.findOneByOrFail({ id: expired })).attempts).toBe(2);
    expect((await repo.findOneByOrFail({ id: leased })).status).toBe('sending');
    expect((await repo.findOneByOrFail({ id: collapsed })).status).toBe('collapsed');
  });

  it('doubles the wait up to an hour', () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(10_000, n))).toEqual([10_000, 20_000, 40_000, 80_000]);
    expect(backoffMs(10_000, 30)).toBe(3600_000);
  });
});
