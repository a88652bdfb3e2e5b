import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { simpleParser, ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from '../../bench/lib/processes';

export interface ReceivedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  /** The exact bytes of the body, as text. */
  raw: string;
  at: number;
}

export interface Answer {
  status: number;
  body: string;
}

/**
 * An HTTP server on 127.0.0.1 that records every request and answers what the test says (by path,
 * default 200 `{"errcode":0,"errmsg":"ok"}`). It can be stopped and started again on the same port,
 * to play a receiver that is down.
 */
export class HttpReceiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly answers = new Map<string, Answer[]>();
  private server?: Server;
  port = 0;

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Answers for requests to `path` (without query), used in order; the last one repeats. */
  answer(path: string, ...answers: Answer[]): void {
    this.answers.set(path, answers);
  }

  /** Requests to `path` (without query). */
  to(path: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.url.split('?')[0] === path);
  }

  async start(port?: number): Promise<void> {
    // Restarted, it listens on its old port: the app's channels still point there.
    this.port = port ?? (this.port || (await freePort()));
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, raw: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
        const queue = this.answers.get((req.url ?? '').split('?')[0]);
        const answer = (queue && queue.length > 1 ? queue.shift() : queue?.[0]) ?? { status: 200, body: '{"errcode":0,"errmsg":"ok"}' };
        res.writeHead(answer.status, { 'content-type': answer.body.startsWith('{') ? 'application/json' : 'text/plain' });
        res.end(answer.body);
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** An SMTP server on 127.0.0.1 (plain, with a login) that parses every message it accepts. */
export class SmtpReceiver {
  readonly messages: (ParsedMail & { envelopeTo: string[] })[] = [];
  readonly logins: { username: string; password: string }[] = [];
  private server?: SMTPServer;
  port = 0;

  async start(): Promise<void> {
    this.port = await freePort();
    this.server = new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS'],
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
