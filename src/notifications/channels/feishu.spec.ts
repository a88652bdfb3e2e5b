import { createHmac } from 'node:crypto';
import { answerJson, answerText, Receiver, startReceiver } from '../../../test/support/notification-receiver';
import { sampleNotice } from '../../../test/support/notices';
import type { ChannelTarget, SendOptions } from '../notice';
import { checkFeishuTarget } from './feishu';
import { NotificationSender } from './notification-sender';

const HOOK = '5e3d587e-d78e-4a07-bd07-265f269f86fd';
const SECRET = 'nIMtb7r3N9pkXyXdtAbx6e';
const OPTS: SendOptions = { language: 'en', deliveryId: 'delivery-1', timeoutMs: 3000, allowPrivate: true };
const sender = new NotificationSender();

/** What Feishu does: HmacSHA256 keyed with `timestamp + "\n" + secret` over nothing, base64, and a timestamp within an hour. */
function feishuAccepts(body: { timestamp?: unknown; sign?: unknown }, secret: string): boolean {
  if (typeof body.timestamp !== 'string') return false;
  const expected = createHmac('sha256', `${body.timestamp}\n${secret}`).digest('base64');
  return body.sign === expected && Math.abs(Date.now() / 1000 - Number(body.timestamp)) < 3600;
}

describe('Feishu/Lark bot', () => {
  let receiver: Receiver;
  let target: ChannelTarget;
  beforeEach(async () => {
    receiver = await startReceiver(answerJson({ code: 0, msg: 'success', data: {} }));
    target = { type: 'feishu', url: `${receiver.origin}/open-apis/bot/v2/hook/${HOOK}`, secret: SECRET };
  });
  afterEach(() => receiver.close());

  it('POSTs a signed interactive card to the hook', async () => {
    const before = Math.floor(Date.now() / 1000);
    const result = await sender.send(target, sampleNotice(), OPTS);

    expect(result).toEqual({ ok: true, retryable: false, response: 'HTTP 200 {"code":0,"msg":"success","data":{}}' });
    const [req] = receiver.requests;
    expect(req.url).toBe(`/open-apis/bot/v2/hook/${HOOK}`);
    expect(req.headers['content-type']).toBe('application/json');
    const body = JSON.parse(req.body);
    expect(body.timestamp).toMatch(/^\d{10}$/);
    expect(Number(body.timestamp)).toBeGreaterThanOrEqual(before);
    expect(feishuAccepts(body, SECRET)).toBe(true);
    expect(feishuAccepts(body, 'another secret')).toBe(false);
    expect(body.msg_type).toBe('interactive');
    expect(body.card.header).toEqual({ template: 'red', title: { tag: 'plain_text', content: '❌ Deployment failed: halo' } });
    expect(body.card.elements).toHaveLength(1);
    expect(body.card.elements[0].tag).toBe('markdown');
    expect(body.card.elements[0].content).toMatch(/^\*\*Stack\*\*: halo/);
    expect(body.card.elements[0].content).toContain('[View deployment](https://deploy.example.com/deployments/42)');
  });

  it('colours the header by outcome and leaves the signature out without a secret', async () => {
    await sender.send({ ...target, secret: undefined }, sampleNotice({ event: 'succeeded', recovered: true }), OPTS);
    await sender.send(target, sampleNotice({ event: 'rolled_back' }), OPTS);
    await sender.send(target, sampleNotice({ event: 'started' }), OPTS);
    const [recovered, rolledBack, started] = receiver.requests.map((r) => JSON.parse(r.body));
    expect(recovered.timestamp).toBeUndefined();
    expect(recovered.sign).toBeUndefined();
    expect(recovered.card.header.template).toBe('green');
    expect(rolledBack.card.header.template).toBe('orange');
    expect(started.card.header.template).toBe('blue');
  });

  it('reads the older StatusCode answer as success', async () => {
    receiver.answer = answerJson({ Extra: null, StatusCode: 0, StatusMessage: 'success' });
    await expect(sender.send(target, sampleNotice(), OPTS)).resolves.toMatchObject({ ok: true });
  });

  it.each([
    [{ code: 19021, msg: 'sign match fail or timestamp is not within one hour from current time' }, false],
    [{ code: 9499, msg: 'Bad Request', data: {} }, false],
    [{ code: 11232, msg: 'frequency limited psm[lark.oapi.app_platform_runtime]appID[1]', data: {} }, true],
  ])('an answer %j is a failure, retryable: %s', async (answer, retryable) => {
    receiver.answer = answerJson(answer);
    await expect(sender.send(target, sampleNotice(), OPTS)).resolves.toEqual({ ok: false, retryable, response: `HTTP 200 ${JSON.stringify(answer)}` });
  });

  it('treats HTTP 500 as retryable', async () => {
    receiver.answer = answerText('oops', 502);
    await expect(sender.send(target, sampleNotice(), OPTS)).resolves.toEqual({ ok: false, retryable: true, response: 'HTTP 502 oops' });
  });

  it('checks the hook URL shape (Feishu and Lark)', () => {
    expect(checkFeishuTarget({ type: 'feishu', url: `https://open.feishu.cn/open-apis/bot/v2/hook/${HOOK}` })).toBeNull();
    expect(checkFeishuTarget({ type: 'feishu', url: `https://open.larksuite.com/open-apis/bot/v2/hook/${HOOK}` })).toBeNull();
    expect(checkFeishuTarget({ type: 'feishu', url: 'https://open.feishu.cn/open-apis/bot/v2/hook/' })).toBe(
      'a Feishu/Lark bot URL has the path /open-apis/bot/v2/hook/<id>',
    );
    expect(checkFeishuTarget({ type: 'feishu', url: 'https://open.feishu.cn/open-apis/bot/hook/x' })).toMatch(/path/);
  });
});
