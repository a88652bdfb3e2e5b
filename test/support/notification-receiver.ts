import { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from '../../bench/lib/processes';

export interface ReceivedRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The raw body, as the receiver's signature check sees it. */
  body: string;
}

export type Answer = (req: ReceivedRequest, res: ServerResponse) => void;

/** An HTTP receiver on 127.0.0.1 at a random port that records every request and answers as told. */
export interface Receiver {
  origin: string;
  port: number;
  requests: ReceivedRequest[];
  answer: Answer;
  close(): Promise<void>;
}

export const answerJson =
  (body: unknown, status = 200): Answer =>
  (_req, res) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };

export const answerText =
  (body: string, status = 200, headers: Record<string, string> = {}): Answer =>
  (_req, res) => {
    res.writeHead(status, { 'Content-Type': 'text/plain', ...headers });
    res.end(body);
  };

/** Reads the request and never answers. */
export const neverAnswer: Answer = () => undefined;

/**
 * `port`: listen there (a receiver started again where its channels point); a random one by default.
 * `tls`: HTTPS with this key and certificate.
 */
export async function startReceiver(answer: Answer = answerText('ok'), port = 0, tls?: TestCertificate): Promise<Receiver> {
  const receiver: Receiver = { origin: '', port: 0, requests: [], answer, close: async () => undefined };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      receiver.requests.push(received);
      receiver.answer(received, res);
    });
  };
  const server: Server = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, handle) : createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  receiver.port = (server.address() as AddressInfo).port;
  receiver.origin = `${tls ? 'https' : 'http'}://127.0.0.1:${receiver.port}`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A receiver for several channels at once: answers by path (without query), a queue per path whose
 * last answer repeats (default 200 `{"errcode":0,"errmsg":"ok"}`). It can be stopped and started
 * again on the same port, to play a receiver that is down.
 */
export class HttpReceiver {
  private readonly answers = new Map<string, Answer[]>();
  private receiver?: Receiver;
  readonly requests: ReceivedRequest[] = [];
  port = 0;

  /** `tls`: HTTPS with this certificate. */
  constructor(private readonly tls?: TestCertificate) {}

  get origin(): string {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  answer(path: string, ...answers: Answer[]): void {
    this.answers.set(path, answers);
  }

  /** Requests to `path` (without query). */
  to(path: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.url.split('?')[0] === path);
  }

  async start(): Promise<void> {
    const route: Answer = (req, res) => {
      this.requests.push(req);
      const queue = this.answers.get(req.url.split('?')[0]);
      const answer = (queue && queue.length > 1 ? queue.shift() : queue?.[0]) ?? answerJson({ errcode: 0, errmsg: 'ok' });
      answer(req, res);
    };
    this.receiver = await startReceiver(route, this.port, this.tls);
    this.port = this.receiver.port;
  }

  async stop(): Promise<void> {
    await this.receiver?.close();
    this.receiver = undefined;
  }
}

/** An SMTP server on 127.0.0.1 (plain, with a login) that parses every message it accepts. */
export class SmtpReceiver {
  readonly messages: (ParsedMail & { envelopeTo: string[] })[] = [];
  readonly logins: { username: string; password: string }[] = [];
  private server?: SMTPServer;
  port = 0;

  /** `tls`: TLS from the first byte (SMTPS, `security: tls`) with this certificate. */
  constructor(private readonly tls?: TestCertificate) {}

  async start(): Promise<void> {
    this.port = await freePort();
    this.server = new SMTPServer({
      ...(this.tls ? { secure: true, key: this.tls.key, cert: this.tls.cert } : { secure: false, disabledCommands: ['STARTTLS'] }),
      allowInsecureAuth: true,
      authMethods: ['PLAIN', 'LOGIN'],
      logger: false,
      onAuth: (auth, _session, cb) => {
        this.logins.push({ username: auth.username ?? '', password: auth.password ?? '' });
        cb(null, { user: auth.username });
      },
      onData: (stream, session, cb) => {
        simpleParser(stream)
          .then((mail) => {
            this.messages.push(Object.assign(mail, { envelopeTo: session.envelope.rcptTo.map((r) => r.address) }));
            cb();
          })
          .catch(cb);
      },
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

export interface TestCertificate {
  key: string;
  cert: string;
  /** The certificate's file: a process started with NODE_EXTRA_CA_CERTS=<certFile> trusts it. */
  certFile: string;
}

/** A self-signed certificate for 127.0.0.1 (openssl), in a temporary directory. */
export function selfSignedCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'dds-cert-'));
  const [keyFile, certFile] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
  const res = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
    { encoding: 'utf8' },
  );
  if (res.status !== 0) throw new Error(`openssl failed (${res.status ?? res.error?.message}): ${res.stderr} (install Debian's openssl, as .ci/run does)`);
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile };
}
