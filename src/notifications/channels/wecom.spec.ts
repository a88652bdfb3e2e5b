import { answerJson, answerText, Receiver, startReceiver } from '../../../test/support/notification-receiver';
import { sampleNotice } from '../../../test/support/notices';
import type { ChannelTarget, SendOptions } from '../notice';
import { NotificationSender } from './notification-sender';
import { checkWecomTarget } from './wecom';

const KEY = '693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa';
const OPTS: SendOptions = { language: 'zh', deliveryId: 'delivery-1', timeoutMs: 3000, allowPrivate: true };
const sender = new NotificationSender();

describe('WeCom group robot', () => {
  let receiver: Receiver;
  let target: ChannelTarget;
  beforeEach(async () => {
    receiver = await startReceiver(answerJson({ errcode: 0, errmsg: 'ok' }));
    target = { type: 'wecom', url: `${receiver.origin}/cgi-bin/webhook/send?key=${KEY}` };
  });
  afterEach(() => receiver.close());

  it('POSTs markdown content of at most 4096 bytes to /cgi-bin/webhook/send?key=', async () => {
    const outputTail = Array.from({ length: 1000 }, (_, i) => `line ${i} ${'日志'.repeat(150)}`);
    const result = await sender.send(target, sampleNotice({ outputTail }), OPTS);

    expect(result).toEqual({ ok: true, retryable: false, response: 'HTTP 200 {"errcode":0,"errmsg":"ok"}' });
    const [req] = receiver.requests;
    expect(req.method).toBe('POST');
    expect(req.url).toBe(`/cgi-bin/webhook/send?key=${KEY}`);
    expect(req.headers['content-type']).toBe('application/json');
    const body = JSON.parse(req.body);
    expect(Object.keys(body)).toEqual(['msgtype', 'markdown']);
    expect(body.msgtype).toBe('markdown');
    expect(Object.keys(body.markdown)).toEqual(['content']);
    expect(Buffer.byteLength(body.markdown.content, 'utf8')).toBeLessThanOrEqual(4096);
    expect(body.markdown.content).toContain('<font color="warning">❌ 部署失败 halo</font>');
    expect(body.markdown.content).toContain('line 999');
  });

  it.each([
    [{ errcode: 45009, errmsg: 'api freq out of limit' }, true],
    [{ errcode: 93000, errmsg: 'invalid webhook url' }, false],
    [{ errcode: 40058, errmsg: 'markdown.content exceed max length 4096' }, false],
  ])('an answer %j is a failure, retryable: %s', async (answer, retryable) => {
    receiver.answer = answerJson(answer);
    await expect(sender.send(target, sampleNotice(), OPTS)).resolves.toEqual({ ok: false, retryable, response: `HTTP 200 ${JSON.stringify(answer)}` });
  });

  it('treats HTTP 500 as retryable', async () => {
    receiver.answer = answerText('busy', 500);
    await expect(sender.send(target, sampleNotice(), OPTS)).resolves.toEqual({ ok: false, retryable: true, response: 'HTTP 500 busy' });
  });

  it('checks the robot URL shape', () => {
    expect(checkWecomTarget({ type: 'wecom', url: `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${KEY}` })).toBeNull();
    expect(checkWecomTarget({ type: 'wecom', url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send' })).toBe('a WeCom robot URL has a key query parameter');
    expect(checkWecomTarget({ type: 'wecom', url: `https://qyapi.weixin.qq.com/cgi-bin/send?key=${KEY}` })).toBe(
      'a WeCom robot URL has the path /cgi-bin/webhook/send',
    );
  });
});
