import { AddressInfo, createConnection, createServer, Server, Socket } from 'node:net';

interface Pair {
  client: Socket;
  upstream: Socket;
  /** A side that closed while traffic was held back: the other side learns it on restore. */
  closed?: Socket;
}

/**
 * A TCP proxy between one app process and MariaDB (127.0.0.1 only), to stage what goes wrong between
 * them:
 * - `cut()`: every connection is dropped at once and new ones are refused until `restore()`, as the
 *   database restarting looks to its clients (and the server sees the sessions end);
 * - `blackHole()`: nothing passes and nothing is closed, in either direction, until `restore()`, as a
 *   node that is powered off or cut from the network looks to the server (no FIN or RST) and the
 *   server to it; connections opened meanwhile hang unanswered;
 * - `restore()`: traffic flows again; what a black hole held back is delivered then (as TCP would
 *   retransmit it), closes included.
 */
export class DbProxy {
  private server?: Server;
  private mode: 'open' | 'cut' | 'black hole' = 'open';
  private readonly pairs = new Set<Pair>();
  /** Clients that connected during a black hole, waiting for their upstream connection. */
  private waiting: Socket[] = [];
  port = 0;

  constructor(private readonly target: { host: string; port: number } = { host: '127.0.0.1', port: 3306 }) {
    if (target.host !== '127.0.0.1') throw new Error('the test proxy only forwards to 127.0.0.1');
  }

  async start(): Promise<void> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Drops every connection now and refuses new ones until `restore()`. */
  cut(): void {
    this.mode = 'cut';
    for (const client of this.waiting.splice(0)) client.destroy();
    for (const pair of this.pairs) this.drop(pair);
  }

  /** Holds every byte and every close, both ways, until `restore()`. */
  blackHole(): void {
    this.mode = 'black hole';
    for (const { client, upstream } of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  restore(): void {
    const was = this.mode;
    this.mode = 'open';
    if (was !== 'black hole') return;
    for (const pair of this.pairs) {
      if (pair.closed) {
        this.drop(pair);
        continue;
      }
      pair.client.pipe(pair.upstream);
      pair.upstream.pipe(pair.client);
    }
    for (const client of this.waiting.splice(0)) this.connect(client);
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: Socket): void {
    client.on('error', () => undefined);
    if (this.mode === 'cut') return void client.destroy();
    if (this.mode === 'black hole') {
      client.pause();
      this.waiting.push(client);
      return;
    }
    this.connect(client);
  }

  private connect(client: Socket): void {
    if (client.destroyed) return;
    const upstream = createConnection(this.target);
    upstream.on('error', () => undefined);
    const pair: Pair = { client, upstream };
    this.pairs.add(pair);
    const closed = (side: Socket) => () => {
      if (this.mode === 'black hole') pair.closed ??= side;
      else this.drop(pair);
    };
    client.on('close', closed(client));
    upstream.on('close', closed(upstream));
    client.pipe(upstream);
    upstream.pipe(client);
  }

  private drop(pair: Pair): void {
    this.pairs.delete(pair);
    pair.client.destroy();
    pair.upstream.destroy();
  }
}
