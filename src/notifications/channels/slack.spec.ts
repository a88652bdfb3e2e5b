import { answerText, Receiver, startReceiver } from '../../../test/support/notification-receiver';
import { sampleNotice } from '../../../test/support/notices';
import type { ChannelTarget, SendOptions } from '../notice';
import { NotificationSender } from './notification-sender';
import { checkSlackTarget } from './slack';

const PATH = '/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';
const OPTS: SendOptions = { language: 'en', deliveryId: 'delivery-1', timeoutMs: 3000, allowPrivate: true };
const sender = new NotificationSender();

describe('Slack incoming webhook', () => {
  let receiver: Receiver;
  let target: ChannelTarget;
  beforeEach(async () => {
    receiver = await startReceiver(answerText('ok'));
    target = { type: 'slack', url: `${receiver.origin}${PATH}` };
  });
  afterEach(() => receiver.close());

  it('POSTs text and blocks, and reads `ok` as sent', async () => {
    const result = await sender.send(target, sampleNotice({ error: 'boom <!channel>' }), OPTS);

    expect(result).toEqual({ ok: true, retryable: false, response: 'HTTP 200 ok' });
    const [req] = receiver.requests;
    expect(req.method).toBe('POST');
    expect(req.url).toBe(PATH);
    expect(req.headers['content-type']).toBe('application/json');
    const body = JSON.parse(req.body);
    expect(Object.keys(body)).toEqual(['text', 'blocks']);
    expect(body.text).toBe('❌ Deployment failed: halo <https://deploy.example.com/deployments/42|View deployment>');
    expect(body.blocks.map((b: { type: string }) => b.type)).toEqual(['header', 'section', 'section', 'section', 'context']);
    expect(body.blocks[2].text.text).toBe('*Error*\n```boom &lt;!channel&gt;```');
    expect(req.body).not.toContain('<!channel>');
  });

  it.each([
    [400, 'invalid_payload', false],
    [403, 'action_prohibited', false],
    [404, 'channel_not_found', false],
    [410, 'channel_is_archived', false],
    [429, 'rate_limited', true],
    [500, 'rollup_error', true],
    [503, 'unavailable', true],
  ])('HTTP %d %s is a failure, retryable: %s', async (status, text, retryable) => {
    receiver.answer = answerText(text, status);
    await expect(sender.send(target, sampleNotice(), OPTS)).resolves.toEqual({ ok: false, retryable, response: `HTTP ${status} ${text}` });
  });

  it('does not read a 200 that is not `ok` as sent', async () => {
    receiver.answer = answerText('no_text');
    await expect(sender.send(target, sampleNotice(), OPTS)).resolves.toEqual({ ok: false, retryable: false, response: 'HTTP 200 no_text' });
  });

  it('takes any http(s) URL', () => {
    expect(checkSlackTarget({ type: 'slack', url: `https://hooks.slack.com${PATH}` })).toBeNull();
    expect(checkSlackTarget({ type: 'slack', url: 'hooks.slack.com/services/x' })).toBe('url is not a valid URL');
  });
});
