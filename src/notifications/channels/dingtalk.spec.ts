import { createHmac } from 'node:crypto';
import { answerJson, answerText, Receiver, startReceiver } from '../../../test/support/notification-receiver';
import { sampleNotice } from '../../../test/support/notices';
import type { ChannelTarget, SendOptions } from '../notice';
import { checkDingTalkTarget } from './dingtalk';
import { NotificationSender } from './notification-sender';

const TOKEN = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9';
const SECRET = 'SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd';
const OPTS: SendOptions = { language: 'zh', deliveryId: 'delivery-1', timeoutMs: 3000, allowPrivate: true };
const sender = new NotificationSender();

/** What DingTalk does with an incoming request: recompute the sign from the timestamp parameter and the robot's secret. */
function dingTalkAccepts(query: URLSearchParams, secret: string): boolean {
  const timestamp = query.get('timestamp') ?? '';
  const expected = createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');
  return query.get('sign') === expected && Math.abs(Date.now() - Number(timestamp)) < 3_600_000;
}

describe('DingTalk robot', () => {
  let receiver: Receiver;
  let target: ChannelTarget;
  beforeEach(async () => {
    receiver = await startReceiver(answerJson({ errcode: 0, errmsg: 'ok' }));
    target = { type: 'dingtalk', url: `${receiver.origin}/robot/send?access_token=${TOKEN}`, secret: SECRET };
  });
  afterEach(() => receiver.close());

  it('POSTs markdown to /robot/send with access_token, timestamp and a sign DingTalk verifies', async () => {
    const before = Date.now();
    const result = await sender.send(target, sampleNotice(), OPTS);
    const after = Date.now();

    expect(result).toEqual({ ok: true, retryable: false, response: 'HTTP 200 {"errcode":0,"errmsg":"ok"}' });
    expect(receiver.requests).toHaveLength(1);
    const [req] = receiver.requests;
    expect(req.method).toBe('POST');
    const url = new URL(req.url, receiver.origin);
    expect(url.pathname).toBe('/robot/send');
    expect([...url.searchParams.keys()]).toEqual(['access_token', 'timestamp', 'sign']);
    expect(url.searchParams.get('access_token')).toBe(TOKEN);
    const timestamp = Number(url.searchParams.get('timestamp'));
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(after);
    expect(dingTalkAccepts(url.searchParams, SECRET)).toBe(true);
    expect(dingTalkAccepts(url.searchParams, 'SECanother')).toBe(false);
    // urlEncode(base64): no raw + / = in the query.
    const rawSign = req.url.split('&sign=')[1];
    expect(rawSign).toBe(encodeURIComponent(url.searchParams.get('sign')!));

    expect(req.headers['content-type']).toBe('application/json');
    const body = JSON.parse(req.body);
    expect(Object.keys(body)).toEqual(['msgtype', 'markdown']);
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.title).toBe('❌ 部署失败 halo');
    expect(body.markdown.text).toMatch(/^### ❌ 部署失败 halo\n\n\*\*栈\*\*: halo/);
    expect(body.markdown.text).toContain('> task exited: exit code 1');
  });

  it('sends no timestamp or sign without a secret', async () => {
    await sender.send({ ...target, secret: undefined }, sampleNotice(), OPTS);
    expect(receiver.requests[0].url).toBe(`/robot/send?access_token=${TOKEN}`);
  });

  it.each([
    [{ errcode: 310000, errmsg: 'sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]' }, false],
    [{ errcode: 300001, errmsg: 'token is not exist' }, false],
    [{ errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' }, true],
    [{ errcode: 410100, errmsg: '发送速度太快而限流' }, true],
  ])('an answer %j is a failure, retryable: %s', async (answer, retryable) => {
    receiver.answer = answerJson(answer);
    const result = await sender.send(target, sampleNotice(), OPTS);
    expect(result).toEqual({ ok: false, retryable, response: `HTTP 200 ${JSON.stringify(answer)}` });
  });

  it('treats HTTP 500 as retryable and an unreadable 200 as a final failure', async () => {
    receiver.answer = answerText('upstream broke', 500);
    await expect(sender.send(target, sampleNotice(), OPTS)).resolves.toEqual({ ok: false, retryable: true, response: 'HTTP 500 upstream broke' });
    receiver.answer = answerText('<html>captive portal</html>');
    await expect(sender.send(target, sampleNotice(), OPTS)).resolves.toMatchObject({ ok: false, retryable: false });
  });

  it('checks the robot URL shape', () => {
    expect(checkDingTalkTarget({ type: 'dingtalk', url: `https://oapi.dingtalk.com/robot/send?access_token=${TOKEN}` })).toBeNull();
    expect(checkDingTalkTarget({ type: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send' })).toBe(
      'a DingTalk robot URL has an access_token query parameter',
    );
    expect(checkDingTalkTarget({ type: 'dingtalk', url: `https://oapi.dingtalk.com/robot/other?access_token=${TOKEN}` })).toBe(
      'a DingTalk robot URL has the path /robot/send',
    );
    expect(checkDingTalkTarget({ type: 'dingtalk', url: `https://user:pw@oapi.dingtalk.com/robot/send?access_token=x` })).toBe(
      'url must not contain a user name or password',
    );
    expect(checkDingTalkTarget({ type: 'dingtalk', url: `ftp://oapi.dingtalk.com/robot/send?access_token=x` })).toBe(
      'url must start with https:// or http://',
    );
    expect(checkDingTalkTarget({ type: 'dingtalk', url: `https://oapi.dingtalk.com/robot/send?access_token=${'x'.repeat(2100)}` })).toBe(
      'url must be at most 2048 characters',
    );
    expect(checkDingTalkTarget({ type: 'dingtalk' })).toBe('url is required');
  });
});
