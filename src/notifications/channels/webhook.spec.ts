import { createHmac, timingSafeEqual } from 'node:crypto';
import { answerText, Receiver, ReceivedRequest, startReceiver } from '../../../test/support/notification-receiver';
import { sampleNotice } from '../../../test/support/notices';
import type { ChannelTarget, SendOptions } from '../notice';
import { NotificationSender } from './notification-sender';
import { checkWebhookTarget } from './webhook';

const SECRET = 'whsec-7f3a9c1e2b4d6f80';
const OPTS: SendOptions = { language: 'en', deliveryId: '1234', timeoutMs: 3000, allowPrivate: true };
const sender = new NotificationSender();

/** What a receiver does: HMAC-SHA256 over `timestamp.rawBody` with the shared secret, compared in constant time. */
function receiverAccepts(req: ReceivedRequest, secret: string): boolean {
  const timestamp = String(req.headers['x-dds-timestamp']);
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${req.body}`).digest('hex')}`);
  const given = Buffer.from(String(req.headers['x-dds-signature']));
  return given.length === expected.length && timingSafeEqual(given, expected) && Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
}

describe('generic webhook', () => {
  let receiver: Receiver;
  let target: ChannelTarget;
  beforeEach(async () => {
    receiver = await startReceiver(answerText('', 204));
    target = { type: 'webhook', url: `${receiver.origin}/hooks/deploy?team=ops`, secret: SECRET };
  });
  afterEach(() => receiver.close());

  it('POSTs the notice as JSON with event, delivery, timestamp and a verifiable signature', async () => {
    const notice = sampleNotice();
    const result = await sender.send(target, notice, OPTS);

    expect(result).toEqual({ ok: true, retryable: false, response: 'HTTP 204' });
    const [req] = receiver.requests;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/hooks/deploy?team=ops');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['user-agent']).toBe('docker-deploy-script');
    expect(req.headers['x-dds-event']).toBe('failed');
    expect(req.headers['x-dds-delivery']).toBe('1234');
    expect(req.headers['x-dds-timestamp']).toMatch(/^\d{10}$/);
    expect(req.headers['x-dds-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(receiverAccepts(req, SECRET)).toBe(true);
    expect(receiverAccepts(req, 'wrong')).toBe(false);
    expect(receiverAccepts({ ...req, body: req.body.replace('halo', 'hal0') }, SECRET)).toBe(false);
    const body = JSON.parse(req.body);
    expect(body).toEqual({
      event: 'failed',
      deployment: notice,
      message: { title: '❌ Deployment failed: halo', text: expect.stringContaining('Error:\n  task exited: exit code 1') },
    });
  });

  it('leaves the signature out without a secret', async () => {
    await sender.send({ ...target, secret: undefined }, sampleNotice(), OPTS);
    expect(receiver.requests[0].headers['x-dds-signature']).toBeUndefined();
  });

  it.each([
    [200, true, false],
    [202, true, false],
    [400, false, false],
    [401, false, false],
    [404, false, false],
    [408, false, true],
    [429, false, true],
    [500, false, true],
    [503, false, true],
  ])('HTTP %d: ok %s, retryable %s', async (status, ok, retryable) => {
    receiver.answer = answerText('answer', status);
    await expect(sender.send(target, sampleNotice(), OPTS)).resolves.toEqual({ ok, retryable, response: `HTTP ${status} answer` });
  });

  it('does not follow a redirect', async () => {
    receiver.answer = answerText('moved', 302, { Location: `${receiver.origin}/elsewhere` });
    await expect(sender.send(target, sampleNotice(), OPTS)).resolves.toEqual({ ok: false, retryable: false, response: 'HTTP 302 moved' });
    expect(receiver.requests.map((r) => r.url)).toEqual(['/hooks/deploy?team=ops']);
  });

  it('takes any http(s) URL without credentials', () => {
    expect(checkWebhookTarget({ type: 'webhook', url: 'https://ci.example.com/hook' })).toBeNull();
    expect(checkWebhookTarget({ type: 'webhook', url: 'https://a:b@ci.example.com/hook' })).toBe('url must not contain a user name or password');
    expect(checkWebhookTarget({ type: 'webhook', url: 'javascript:alert(1)' })).toBe('url must start with https:// or http://');
  });
});
