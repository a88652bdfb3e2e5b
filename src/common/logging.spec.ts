import Fastify from 'fastify';
import { Writable } from 'node:stream';
import { registerEnvelope, sendError, sendRaw } from './envelope';
import { chooseLogFormat, createLogger, LogFormat, logRequests, NestPinoLogger, redactUrl } from './logging';

describe('redactUrl', () => {
  it('removes webhook and refresh tokens from query strings', () => {
    expect(redactUrl('/api/autoUpdate/1/halo?token=abc123&x=1')).toBe('/api/autoUpdate/1/halo?token=[REDACTED]&x=1');
    expect(redactUrl('/a?x=1&TOKEN=s3cr3t')).toBe('/a?x=1&TOKEN=[REDACTED]');
    expect(redactUrl('/web/user/script?pageNumber=1')).toBe('/web/user/script?pageNumber=1');
  });
});

/** A Fastify app with the envelope and request logging, writing log lines into `lines`. */
function appWithLog(level = 'info') {
  const lines: Record<string, any>[] = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) });
  const logger = createLogger(level, { destination: sink });
  const app = Fastify();
  registerEnvelope(app);
  logRequests(app, logger);
  app.get('/object', async () => ({ id: 1 }));
  app.get('/string', async () => 'Creating service halo_halo');
  app.get('/empty', async (_req, reply) => reply.send());
  app.get('/null', async (_req, reply) => reply.send(null));
  app.get('/raw', async (_req, reply) => sendRaw(reply, 'text/plain; version=0.0.4', 'metric 1\n'));
  app.get('/error', async (_req, reply) => sendError(reply, 404, { code: 40400, message: 'not found' }));
  app.get('/docs-json', async () => ({ openapi: '3.0.0' }));
  return { app, lines, logger };
}

describe('the envelope and the request log (Fastify hooks)', () => {
  it('wraps objects, strings, null and empty answers; leaves raw answers, error envelopes and the docs alone', async () => {
    const { app } = appWithLog();
    const get = async (url: string, headers = {}) => {
      const res = await app.inject({ method: 'GET', url, headers });
      return { type: res.headers['content-type'], body: res.body };
    };
    expect(await get('/object')).toEqual({ type: 'application/json; charset=utf-8', body: '{"code":0,"message":"成功","data":{"id":1}}' });
    expect(await get('/string')).toEqual({ type: 'application/json; charset=utf-8', body: '{"code":0,"message":"成功","data":"Creating service halo_halo"}' });
    expect(await get('/empty', { 'accept-language': 'en' })).toEqual({ type: 'application/json; charset=utf-8', body: '{"code":0,"message":"success"}' });
    expect((await get('/null')).body).toBe('{"code":0,"message":"成功","data":null}');
    expect(await get('/raw')).toEqual({ type: 'text/plain; version=0.0.4', body: 'metric 1\n' });
    expect((await get('/error')).body).toBe('{"code":40400,"message":"not found"}');
    expect((await get('/docs-json')).body).toBe('{"openapi":"3.0.0"}');
  });

  it('logs one JSON line per request with method, redacted path, status and time, and nothing else of it', async () => {
    const { app, lines } = appWithLog();
    await app.inject({ method: 'GET', url: '/object?token=s3cr3t-token', headers: { authorization: 'Bearer s3cr3t-jwt', cookie: 'sid=s3cr3t' } });
    await app.inject({ method: 'GET', url: '/error' });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 30, msg: 'GET /object?token=[REDACTED] 200', req: { method: 'GET', url: '/object?token=[REDACTED]' }, res: { statusCode: 200 } });
    expect(lines[0].responseTime).toEqual(expect.any(Number));
    expect(lines[1]).toMatchObject({ msg: 'GET /error 404', res: { statusCode: 404 } });
    expect(JSON.stringify(lines)).not.toMatch(/s3cr3t|authorization|cookie/i);
  });

  it('logs nothing per request when LOG_LEVEL is above info, and writes Nest log calls as JSON lines', async () => {
    const quiet = appWithLog('warn');
    await quiet.app.inject({ method: 'GET', url: '/object' });
    expect(quiet.lines).toHaveLength(0);
    const nest = new NestPinoLogger(quiet.logger);
    nest.log('ignored at warn', 'Ctx');
    nest.warn('stack busy', 'DeploymentRunner');
    nest.error('boom', 'Error: boom\n    at x', 'Exceptions');
    expect(quiet.lines).toEqual([
      expect.objectContaining({ level: 40, context: 'DeploymentRunner', msg: 'stack busy' }),
      expect.objectContaining({ level: 50, context: 'Exceptions', msg: 'boom', stack: 'Error: boom\n    at x' }),
    ]);
  });
});

describe('log format', () => {
  it.each([
    ['auto', false, true, 'pretty'],
    ['auto', false, false, 'json'],
    ['auto', true, true, 'json'],
    ['json', false, true, 'json'],
    ['pretty', true, false, 'pretty'],
  ] as const)('LOG_FORMAT=%s, production %s, stdout a terminal %s: %s', (setting, production, tty, expected) => {
    expect(chooseLogFormat(setting, production, tty)).toBe(expected);
  });

  /** What one logger of `format` writes for the same calls: a request line, a Nest error, and secrets that must not appear. */
  async function written(format: LogFormat): Promise<string> {
    let out = '';
    const logger = createLogger('info', { format, destination: new Writable({ write: (chunk, _enc, done) => ((out += String(chunk)), done()) }) });
    const app = Fastify();
    logRequests(app, logger);
    app.get('/hook', async () => 'ok');
    await app.inject({ method: 'GET', url: '/hook?token=s3cr3t-token', headers: { authorization: 'Bearer s3cr3t-jwt' } });
    new NestPinoLogger(logger).error('deploy failed', 'Error: deploy failed\n    at run (runner.ts:1)', 'DeploymentRunner');
    logger.warn({ user: { name: 'alice', password: 's3cr3t-pass', refreshToken: 's3cr3t-refresh' }, call: { headers: { cookie: 's3cr3t' } } }, 'odd login');
    return out;
  }

  it('pretty: one readable line per record (time, level, context, message), no JSON', async () => {
    const out = await written('pretty');
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: GET \/hook\?token=\[REDACTED\] 200 \(\d+ ms\)$/);
    expect(lines[1]).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] ERROR: \[DeploymentRunner\] deploy failed$/);
    expect(lines.slice(2, 5)).toEqual(['    stack:', '      Error: deploy failed', '          at run (runner.ts:1)']);
    expect(out).toMatch(/WARN: odd login\n {4}user: {\n {6}"name": "alice"\n/);
    expect(lines.some((l) => l.startsWith('{'))).toBe(false);
    // Colours only for a terminal; a test's destination gets none.
    expect(out).not.toContain('\u001b[');

    let fast = '';
    createLogger('info', { format: 'pretty', destination: { write: (line: string) => (fast += line) } }).info({ responseTime: 0 }, 'GET /x 200');
    expect(fast).toMatch(/ INFO: GET \/x 200 \(0 ms\)\n$/);
  });

  it('redacts the same in both formats', async () => {
    const [json, pretty] = [await written('json'), await written('pretty')];
    for (const out of [json, pretty]) {
      expect(out).not.toMatch(/s3cr3t|authorization|cookie|password|refreshToken/i);
      expect(out).toContain('alice');
    }
    expect(json.trimEnd().split('\n').map((l) => JSON.parse(l).msg)).toEqual(['GET /hook?token=[REDACTED] 200', 'deploy failed', 'odd login']);
  });
});
