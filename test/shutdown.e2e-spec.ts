import { connect } from 'node:net';
import { DataSource } from 'typeorm';
import { gracefulShutdown } from '../src/graceful-shutdown';
import { GOOD_PASSWORD, registerAndLogin, startTestApp, TestApp } from './support/test-app';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends a request's headers and the first half of its body now; `finish()` sends the rest and reads the answer. */
function halfSentPost(baseUrl: string, path: string, body: string) {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  let response = '';
  socket.on('data', (chunk) => (response += chunk.toString()));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  const half = Math.floor(body.length / 2);
  socket.write(`POST ${path} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, half)}`);
  return {
    async finish() {
      socket.write(body.slice(half));
      await closed; // the client never ends it: the server closed the connection once the answer was sent
      const [head, payload] = response.split('\r\n\r\n');
      return { head, json: JSON.parse(payload.trim().startsWith('{') ? payload : payload.split('\r\n')[1]) };
    },
  };
}

describe('graceful shutdown (what main.ts runs on SIGTERM)', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(() => t.close());

  it('stops taking requests at once, finishes the one in flight, closes kept-alive connections and the database', async () => {
    const user = await registerAndLogin(t);
    // fetch keeps this connection alive; Fastify would wait for it up to its 72 s keep-alive timeout.
    expect((await t.request('GET', '/health/live')).status).toBe(200);
    const inFlight = halfSentPost(t.baseUrl, '/web/user/login', JSON.stringify({ username: user.username, password: GOOD_PASSWORD }));
    await tick(100); // same process: the server has read the headers and routed the request by now

    const started = Date.now();
    const stopping = gracefulShutdown(t.app);
    await tick(10);
    await expect(fetch(`${t.baseUrl}/health/live`)).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });

    const answer = await inFlight.finish();
    expect(answer.head).toMatch(/^HTTP\/1\.1 200/);
    expect(answer.json).toMatchObject({ code: 0, data: { username: user.username } });

    await stopping;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(t.app.get(DataSource).isInitialized).toBe(false);
  });
});
