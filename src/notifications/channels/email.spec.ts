import { AddressInfo, createServer as createTcpServer, Socket } from 'node:net';
import { ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, SMTPServerAddress } from 'smtp-server';
import { closedPort } from '../../../test/support/notification-receiver';
import { sampleNotice } from '../../../test/support/notices';
import type { ChannelTarget, EmailSettings, SendOptions } from '../notice';
import { checkEmailTarget } from './email';
import { NotificationSender } from './notification-sender';

const PASSWORD = 'sm7p-pa55w0rd!';
const OPTS: SendOptions = { language: 'en', deliveryId: 'delivery-1', timeoutMs: 3000, allowPrivate: true };
const sender = new NotificationSender();

interface FakeSmtp {
  port: number;
  mails: ParsedMail[];
  connections: number;
  logins: { username: string; password: string }[];
  /** An SMTP error to answer RCPT TO with, e.g. `{ code: 550, message: 'no such user' }`. */
  rejectRecipient?: { responseCode: number; message: string };
  close(): Promise<void>;
}

/** A plain SMTP server on 127.0.0.1 (no STARTTLS) that checks the login and parses what it receives. */
async function startSmtp(): Promise<FakeSmtp> {
  const smtp: FakeSmtp = { port: 0, mails: [], connections: 0, logins: [], close: async () => undefined };
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    allowInsecureAuth: true,
    logger: false,
    onConnect(_session, callback) {
      smtp.connections++;
      callback();
    },
    onAuth(auth, _session, callback) {
      smtp.logins.push({ username: auth.username ?? '', password: auth.password ?? '' });
      if (auth.username === 'deploy' && auth.password === PASSWORD) callback(null, { user: 'deploy' });
      else callback(Object.assign(new Error('Authentication failed'), { responseCode: 535 }));
    },
    onRcptTo(_address: SMTPServerAddress, _session, callback) {
      const reject = smtp.rejectRecipient;
      callback(reject ? Object.assign(new Error(reject.message), { responseCode: reject.responseCode }) : undefined);
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          smtp.mails.push(mail);
          callback();
        },
        (err: Error) => callback(err),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  smtp.port = ((server as unknown as { server: { address(): AddressInfo } }).server.address() as AddressInfo).port;
  smtp.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return smtp;
}

const settings = (port: number, overrides: Partial<EmailSettings> = {}): EmailSettings => ({
  host: '127.0.0.1',
  port,
  security: 'none',
  from: 'Deployments <deploy@example.com>',
  to: ['ops@example.com', 'dev@example.com'],
  ...overrides,
});

describe('e-mail over SMTP', () => {
  let smtp: FakeSmtp;
  beforeEach(async () => {
    smtp = await startSmtp();
  });
  afterEach(() => smtp.close());

  it('delivers an HTML and text message with the title as subject, the HTML escaping user text', async () => {
    const target: ChannelTarget = { type: 'email', email: settings(smtp.port) };
    const result = await sender.send(target, sampleNotice({ error: 'health check failed <script>alert(1)</script>' }), OPTS);

    expect(result.ok).toBe(true);
    expect(result.retryable).toBe(false);
    expect(result.response).toMatch(/^250 /);
    expect(smtp.mails).toHaveLength(1);
    const [mail] = smtp.mails;
    expect(mail.subject).toBe('❌ Deployment failed: halo');
    expect(mail.from?.value).toEqual([{ address: 'deploy@example.com', name: 'Deployments' }]);
    const to = Array.isArray(mail.to) ? mail.to.flatMap((a) => a.value) : (mail.to?.value ?? []);
    expect(to.map((a) => a.address)).toEqual(['ops@example.com', 'dev@example.com']);
    expect(mail.html).toContain('halo');
    expect(mail.html).toContain('health check failed &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.html).not.toContain('<script>');
    expect(mail.text).toContain('Stack: halo');
    expect(mail.text).toContain('health check failed <script>alert(1)</script>');
  });

  it('logs in when a user name is given', async () => {
    const target: ChannelTarget = { type: 'email', email: settings(smtp.port, { username: 'deploy', password: PASSWORD }) };
    await expect(sender.send(target, sampleNotice(), { ...OPTS, language: 'zh' })).resolves.toMatchObject({ ok: true });
    expect(smtp.logins).toEqual([{ username: 'deploy', password: PASSWORD }]);
    expect(smtp.mails[0].subject).toBe('❌ 部署失败 halo');
  });

  it('a refused login is final and its answer never holds the password', async () => {
    const target: ChannelTarget = { type: 'email', email: settings(smtp.port, { username: 'deploy', password: `${PASSWORD}-wrong` }) };
    const result = await sender.send(target, sampleNotice(), OPTS);
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.response).toContain('535');
    expect(result.response).not.toContain(PASSWORD);
    expect(smtp.mails).toHaveLength(0);
  });

  it('a 4xx answer is retryable, a 5xx final', async () => {
    const target: ChannelTarget = { type: 'email', email: settings(smtp.port) };
    smtp.rejectRecipient = { responseCode: 451, message: 'try again later' };
    const temporary = await sender.send(target, sampleNotice(), OPTS);
    expect(temporary).toMatchObject({ ok: false, retryable: true });
    expect(temporary.response).toMatch(/^SMTP 127\.0\.0\.1:\d+: 451 /);
    smtp.rejectRecipient = { responseCode: 550, message: 'no such user' };
    const permanent = await sender.send(target, sampleNotice(), OPTS);
    expect(permanent).toMatchObject({ ok: false, retryable: false });
    expect(permanent.response).toMatch(/550 no such user/);
  });

  it('a closed port is retryable', async () => {
    const port = await closedPort();
    const result = await sender.send({ type: 'email', email: settings(port) }, sampleNotice(), OPTS);
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result.response).toBe(`SMTP 127.0.0.1:${port}: ESOCKET connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  it('a server that never greets is a retryable time-out', async () => {
    const sockets: Socket[] = [];
    const silent = createTcpServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const started = Date.now();
      const result = await sender.send({ type: 'email', email: settings(port) }, sampleNotice(), { ...OPTS, timeoutMs: 300 });
      expect(Date.now() - started).toBeLessThan(2000);
      expect(result).toMatchObject({ ok: false, retryable: true });
      expect(result.response).toMatch(new RegExp(`^SMTP 127\\.0\\.0\\.1:${port}: (no answer within 300 ms|ETIMEDOUT)`));
    } finally {
      await new Promise<void>((resolve) => {
        silent.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    }
  });

  it('STARTTLS required but not offered is a final failure, nothing sent', async () => {
    const result = await sender.send({ type: 'email', email: settings(smtp.port, { security: 'starttls' }) }, sampleNotice(), OPTS);
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.response).toMatch(/: 500 /);
    expect(smtp.mails).toHaveLength(0);
  });

  it('refuses a private server unless allowed, without connecting', async () => {
    for (const host of ['127.0.0.1', 'localhost', '::ffff:127.0.0.1']) {
      const result = await sender.send({ type: 'email', email: settings(smtp.port, { host }) }, sampleNotice(), { ...OPTS, allowPrivate: false });
      expect(result).toMatchObject({ ok: false, retryable: false });
      expect(result.response).toMatch(/is a private address; only an ADMIN's channels may deliver there$/);
    }
    expect(smtp.connections).toBe(0);
  });

  it('refuses plain SMTP to a public address before connecting', async () => {
    const result = await sender.send({ type: 'email', email: settings(25, { host: '93.184.216.34' }) }, sampleNotice(), { ...OPTS, timeoutMs: 60_000 });
    expect(result).toEqual({
      ok: false,
      retryable: false,
      response: 'plain SMTP (security none) is allowed only to a private address, and 93.184.216.34 (93.184.216.34) is public; use TLS',
    });
  });
});

describe('checkEmailTarget', () => {
  const valid = settings(587, { host: 'smtp.example.com', security: 'starttls' });
  it.each([
    [valid, null],
    [{ ...valid, from: 'deploy@example.com' }, null],
    [{ ...valid, host: '' }, 'email.host must be a host name or an IP address'],
    [{ ...valid, host: 'smtp example.com' }, 'email.host must be a host name or an IP address'],
    [{ ...valid, port: 0 }, 'email.port must be between 1 and 65535'],
    [{ ...valid, port: 65536 }, 'email.port must be between 1 and 65535'],
    [{ ...valid, security: 'ssl' as EmailSettings['security'] }, 'email.security must be one of tls, starttls, none'],
    [{ ...valid, from: 'not an address' }, 'email.from must be an e-mail address'],
    [{ ...valid, from: 'x@example.com\r\nBcc: evil@example.com' }, 'email.from must be an e-mail address'],
    [{ ...valid, to: [] }, 'email.to must list 1 to 20 addresses'],
    [{ ...valid, to: Array.from({ length: 21 }, (_, i) => `u${i}@example.com`) }, 'email.to must list 1 to 20 addresses'],
    [{ ...valid, to: ['ops@example.com', 'nope'] }, 'email.to must contain only e-mail addresses'],
    [{ ...valid, to: ['ops@example.com\nbcc: x@y.z'] }, 'email.to must contain only e-mail addresses'],
  ])('%#', (email, message) => {
    expect(checkEmailTarget({ type: 'email', email })).toBe(message);
  });
});
