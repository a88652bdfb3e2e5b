import { answerJson, answerText, closedPort, neverAnswer, Receiver, startReceiver } from '../../../test/support/notification-receiver';
import { sampleNotice } from '../../../test/support/notices';
import type { ChannelTarget, ChannelType, SendOptions } from '../notice';
import { MAX_RESPONSE_CHARS, NotificationSender } from './notification-sender';

const TOKEN = 'tok3n7f3a9c1e2b4d6f80aa';
const HOOK = 'b7e1c0de-1234-4bc4-97a0-0ec2feedbeef';
const SLACK_SECRET = 'XXXXsl4ckS3cretXXXXXXXX';
const SECRET = 'SECsigning-secret-42';
const OPTS: SendOptions = { language: 'en', deliveryId: 'delivery-1', timeoutMs: 3000, allowPrivate: true };
const sender = new NotificationSender();

/** Every HTTP channel type at `origin`, each with a token in its path or query. */
function targets(origin: string): [ChannelType, ChannelTarget][] {
  return [
    ['dingtalk', { type: 'dingtalk', url: `${origin}/robot/send?access_token=${TOKEN}`, secret: SECRET }],
    ['wecom', { type: 'wecom', url: `${origin}/cgi-bin/webhook/send?key=${TOKEN}` }],
    ['feishu', { type: 'feishu', url: `${origin}/open-apis/bot/v2/hook/${HOOK}`, secret: SECRET }],
    ['slack', { type: 'slack', url: `${origin}/services/T0000/B0000/${SLACK_SECRET}` }],
    ['webhook', { type: 'webhook', url: `${origin}/hook/${HOOK}?token=${TOKEN}`, secret: SECRET }],
  ];
}

/** The tokens and secret a target carries, and its URL's path. */
function secretsIn(target: ChannelTarget): string[] {
  const url = new URL(target.url!);
  return [TOKEN, HOOK, SLACK_SECRET, SECRET, url.pathname].filter((s) => target.url!.includes(s) || target.secret === s);
}

describe('NotificationSender', () => {
  describe.each(['dingtalk', 'wecom', 'feishu', 'slack', 'webhook'] as const)('%s, when the receiver misbehaves', (type) => {
    let receiver: Receiver;
    let target: ChannelTarget;
    beforeEach(async () => {
      receiver = await startReceiver();
      target = targets(receiver.origin).find(([t]) => t === type)![1];
    });
    afterEach(() => receiver.close());

    it('a receiver that never answers is a retryable timeout naming only the origin', async () => {
      receiver.answer = neverAnswer;
      const started = Date.now();
      const result = await sender.send(target, sampleNotice(), { ...OPTS, timeoutMs: 300 });
      expect(Date.now() - started).toBeLessThan(2000);
      expect(result).toEqual({ ok: false, retryable: true, response: `${receiver.origin}: no answer within 300 ms` });
      expect(receiver.requests).toHaveLength(1);
    });

    it('a closed port is a retryable connection failure naming only the origin', async () => {
      const port = await closedPort();
      const closed = targets(`http://127.0.0.1:${port}`).find(([t]) => t === type)![1];
      await expect(sender.send(closed, sampleNotice(), OPTS)).resolves.toEqual({
        ok: false,
        retryable: true,
        response: `http://127.0.0.1:${port}: ECONNREFUSED`,
      });
    });

    it('a huge answer echoing the token and secret is bounded and cleaned', async () => {
      const secrets = secretsIn(target);
      expect(secrets.length).toBeGreaterThanOrEqual(2);
      const echo = `${target.url} ${secrets.join(' ')} `.repeat(3000);
      receiver.answer = type === 'slack' || type === 'webhook' ? answerText(echo, 500) : answerJson({ errcode: 500, code: 500, errmsg: echo, msg: echo });
      const result = await sender.send(target, sampleNotice(), OPTS);
      expect(result.ok).toBe(false);
      expect(result.response.length).toBeLessThanOrEqual(MAX_RESPONSE_CHARS);
      expect(result.response).toContain('***');
      for (const secret of secrets) expect(result.response).not.toContain(secret);
    });
  });

  describe('address policy', () => {
    let receiver: Receiver;
    beforeEach(async () => {
      receiver = await startReceiver(answerJson({ errcode: 0, code: 0 }));
    });
    afterEach(() => receiver.close());

    it.each(['dingtalk', 'wecom', 'feishu', 'slack', 'webhook'] as const)('%s: a private address is refused without sending unless allowed', async (type) => {
      for (const origin of [receiver.origin, `http://localhost:${receiver.port}`, `http://[::ffff:127.0.0.1]:${receiver.port}`]) {
        const target = targets(origin).find(([t]) => t === type)![1];
        const result = await sender.send(target, sampleNotice(), { ...OPTS, allowPrivate: false });
        expect(result).toMatchObject({ ok: false, retryable: false });
        expect(result.response).toMatch(/is a private address; only an ADMIN's channels may deliver there$/);
      }
      expect(receiver.requests).toHaveLength(0);
    });

    it('refuses plain http to a public address before connecting', async () => {
      const [, target] = targets('http://93.184.216.34')[4];
      const started = Date.now();
      await expect(sender.send(target, sampleNotice(), { ...OPTS, timeoutMs: 60_000 })).resolves.toEqual({
        ok: false,
        retryable: false,
        response: 'plain http is allowed only to a private address, and 93.184.216.34 (93.184.216.34) is public; use TLS',
      });
      expect(Date.now() - started).toBeLessThan(1000);
    });
  });

  it('refuses a malformed target without sending', async () => {
    await expect(sender.send({ type: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send' }, sampleNotice(), OPTS)).resolves.toEqual({
      ok: false,
      retryable: false,
      response: 'invalid channel: a DingTalk robot URL has an access_token query parameter',
    });
    await expect(sender.send({ type: 'pager' as ChannelType, url: 'https://x.example' }, sampleNotice(), OPTS)).resolves.toEqual({
      ok: false,
      retryable: false,
      response: 'invalid channel: unknown channel type pager',
    });
  });

  it('checkTarget dispatches by type', () => {
    expect(sender.checkTarget({ type: 'slack', url: 'https://hooks.slack.com/services/a/b/c' })).toBeNull();
    expect(sender.checkTarget({ type: 'wecom', url: 'https://hooks.slack.com/services/a/b/c' })).toBe('a WeCom robot URL has the path /cgi-bin/webhook/send');
    expect(sender.checkTarget({ type: 'email' })).toBe('email settings are required');
  });
});
