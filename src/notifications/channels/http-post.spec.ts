import { Receiver, startReceiver } from '../../../test/support/notification-receiver';
import { MAX_ANSWER_BYTES, postJson } from './http-post';

describe('postJson', () => {
  let receiver: Receiver;
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(() => receiver.close());

  it('connects to the address the lookup answered, keeping the name in the Host header', async () => {
    const lookup = jest.fn(async () => [{ address: '127.0.0.1', family: 4 }]);
    const answer = await postJson(`http://robot.example:${receiver.port}/send?k=1`, { a: 1 }, { 'X-Extra': 'yes' }, { timeoutMs: 2000, allowPrivate: true, lookup });
    expect(answer).toEqual({ status: 200, body: 'ok' });
    expect(lookup).toHaveBeenCalledTimes(1);
    const [req] = receiver.requests;
    expect(req.headers.host).toBe(`robot.example:${receiver.port}`);
    expect(req.headers['x-extra']).toBe('yes');
    expect(req.headers['content-length']).toBe(String(Buffer.byteLength('{"a":1}')));
    expect(req.body).toBe('{"a":1}');
  });

  it('sends a string body as is', async () => {
    await postJson(`${receiver.origin}/`, '{"raw": true}', {}, { timeoutMs: 2000, allowPrivate: true });
    expect(receiver.requests[0].body).toBe('{"raw": true}');
  });

  it('reads at most 64 KiB of an endless answer, then hangs up', async () => {
    let closed = false;
    receiver.answer = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.on('close', () => (closed = true));
      const chunk = 'x'.repeat(16 * 1024);
      const more = () => {
        if (closed) return;
        if (res.write(chunk)) setImmediate(more);
        else res.once('drain', more);
      };
      more();
    };
    const answer = await postJson(`${receiver.origin}/`, {}, {}, { timeoutMs: 2000, allowPrivate: true });
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('x'.repeat(MAX_ANSWER_BYTES));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(true);
  });

  it('refuses a scheme other than http(s)', async () => {
    await expect(postJson('file:///etc/passwd', {}, {}, { timeoutMs: 2000, allowPrivate: true })).rejects.toThrow('unsupported scheme file:');
  });
});
