/**
 * Issue 14, "No input makes a 5xx": fast-check properties over every public input of the real app
 * (real pipes, guards, filter, database, docker): every route of its Swagger document with arbitrary
 * bodies, query strings, path parameters and headers, logged in or not; the registry webhooks with
 * mutated real deliveries against real stacks' tokens and wrong ones; compose files on create and
 * update. Each answer is below 500 and an envelope; nothing reaches a shell or leaves this machine;
 * the app keeps answering and its memory stays bounded.
 *
 * Seeds are fixed (fast-check prints the seed and path of a failure); FUZZ_SEED=<n> and FUZZ_RUNS=<x>
 * (a multiplier of the runs) fuzz longer or elsewhere.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { REGISTRY_FORMATS } from '../src/webhooks/registries';
import { WEBHOOK_FIXTURES } from './fixtures/webhooks/fixtures';
import { contain, Containment } from './support/containment';
import {
  acceptLanguage, ARRAY_OF_OBJECTS, composeObjectText, CONTENT_TYPES, DEEP_ARRAYS, DEEP_OBJECTS, DEEP_YAML, extraHeaders, HOSTILE_COMPOSE_TEXTS,
  HOSTILE_WORDS, hostileValue, MANY_NUMBERS, mutatedDelivery, SHELL_MARKER, signatureHeaders, TOO_LARGE, WIDE_OBJECT, WIDEST_OBJECT, yamlishText,
} from './support/hostile';
import { startRegistry, TestRegistry } from './support/registry';
import { Caller, FuzzRequest, OpenApiDocument, requestArbitraries, Role, Route, routesOf, VICTIM_REFRESH_TOKEN } from './support/route-requests';
import { assertSwarm } from './support/test-images';
import { GOOD_PASSWORD, registerAndLogin, startTestApp, TestApp, uniqueName } from './support/test-app';

const SEED = Number(process.env.FUZZ_SEED ?? 14);
const runs = (n: number) => Math.max(1, Math.round(n * Number(process.env.FUZZ_RUNS ?? 1)));
const PREFIX = `fz${randomBytes(3).toString('hex')}`;
const SIGNING_SECRET = `fuzz-secret-${randomBytes(8).toString('hex')}`;
const REGISTRY_LOGIN = { username: 'fuzz', password: `pw-${randomBytes(8).toString('hex')}` };
/** Read-only docker subcommands: the fuzzer may validate and inspect, never deploy or change the swarm. */
const READ_ONLY_DOCKER = /^(login|info|version|inspect|stack (config|ls|ps|services)|(service|secret|network|volume|config|node|container|image) (inspect|ls|ps))$/;
const MANAGEMENT_COMMANDS = new Set(['stack', 'service', 'secret', 'network', 'volume', 'config', 'node', 'container', 'image', 'system', 'swarm']);
const subcommand = (args: string[]) => args.slice(0, MANAGEMENT_COMMANDS.has(args[0]) ? 2 : 1).join(' ');

type Login = Awaited<ReturnType<typeof registerAndLogin>>;

let gc: (() => void) | undefined;
function collectGarbage(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

describe('fuzz: no input makes a 5xx, reaches a shell or leaves memory growing', () => {
  let t: TestApp;
  let registry: TestRegistry;
  let contained: Containment;
  let routes: Route[];
  let requests: ReturnType<typeof requestArbitraries>;
  const sessions = {} as Record<Role, Login>;
  const usernames = {} as Record<Role, string>;
  /** The USER's script the compose property saves again and again. */
  let scratchScriptId = 0;
  const webhookScripts = {} as Record<'plain' | 'signed', { userId: number; serviceName: string; token: string }>;
  const troubles: string[] = [];
  const onTrouble = (kind: string) => (err: unknown) => troubles.push(`${kind}: ${err instanceof Error ? err.stack : String(err)}`);
  const onRejection = onTrouble('unhandledRejection');
  const onException = onTrouble('uncaughtException');
  let heapAtStart = 0;
  let sent = 0;
  /** The distinct (HTTP status, code) pairs answered: how far into the app the inputs got. */
  const answers = new Set<string>();

  async function send(req: FuzzRequest): Promise<LightMyRequestResponse> {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = v;
    const authorization = 'session' in req.caller ? sessionHeader(req.caller) : req.caller.header;
    if (authorization !== undefined) headers.authorization = authorization;
    const options: InjectOptions = { method: req.method as InjectOptions['method'], url: req.url, headers, ...(req.payload !== undefined && { payload: req.payload }) };
    sent++;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within 30 s: ${req.method} ${req.url.slice(0, 200)}`)), 30_000)));
    try {
      return await Promise.race([t.app.getHttpAdapter().getInstance().inject(options), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  function sessionHeader(c: { session: Role; bearer: boolean; tampered: boolean }): string {
    let token = sessions[c.session].authorization;
    if (c.tampered) token = token.slice(0, -3) + (token.endsWith('AAA') ? 'BBB' : 'AAA');
    return c.bearer ? `Bearer ${token}` : token;
  }

  /** Below 500, and an envelope unless the route documents another content type for its success. */
  function expectSound(req: FuzzRequest, res: LightMyRequestResponse, route?: Route): void {
    const where = `${req.method} ${req.url.slice(0, 300)} -> ${res.statusCode} ${res.body.slice(0, 500)}`;
    if (res.statusCode >= 500) throw new Error(`5xx: ${where}`);
    const type = String(res.headers['content-type'] ?? '').split(';')[0].trim();
    if (res.statusCode < 300 && route?.produces.has(type) && type !== 'application/json') return;
    let body: { code?: unknown; message?: unknown };
    try {
      body = JSON.parse(res.body);
    } catch {
      throw new Error(`not JSON (${type}): ${where}`);
    }
    answers.add(`${res.statusCode} ${String(body?.code)}`);
    if (typeof body?.code !== 'number' || !Number.isInteger(body.code) || typeof body.message !== 'string' || !body.message) throw new Error(`not an envelope: ${where}`);
    if (res.statusCode >= 400 && body.code === 0) throw new Error(`an error status with code 0: ${where}`);
    if (body.code === 0 && res.statusCode >= 300) throw new Error(`code 0 with status ${res.statusCode}: ${where}`);
  }

  async function expectAlive(): Promise<void> {
    const res = await t.app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/health/live' });
    expect([res.statusCode, res.json().code]).toEqual([200, 0]);
  }

  async function login(role: Role): Promise<void> {
    const res = await t.request('POST', '/web/user/login', { body: { username: usernames[role], password: GOOD_PASSWORD } });
    if (res.body.code === 0) sessions[role] = res.body.data;
  }

  async function createScript(owner: Role, body: Record<string, unknown>) {
    const res = await t.request('POST', '/web/user/script', { token: sessions[owner].authorization, body });
    if (res.body.code !== 0) throw new Error(`creating ${String(body.serviceName)}: ${JSON.stringify(res.body)}`);
    return res.body.data as { id: number; serviceName: string; autoUpdateUrl: string };
  }

  const anyone: Caller = { header: undefined };
  const as = (session: Role): Caller => ({ session, bearer: true, tampered: false });
  const json = (method: string, url: string, payload: string, caller: Caller = anyone): FuzzRequest => ({ method, url, caller, headers: { 'content-type': 'application/json' }, payload });

  /** Sends `req` with the victim's live refresh token where the generator left a placeholder. */
  const withVictimToken = (req: FuzzRequest): FuzzRequest =>
    typeof req.payload === 'string' && req.payload.includes(VICTIM_REFRESH_TOKEN)
      ? { ...req, payload: req.payload.split(VICTIM_REFRESH_TOKEN).join(sessions.victim.refreshToken) }
      : req;

  // Set-up --------------------------------------------------------------------------------------------

  beforeAll(async () => {
    assertSwarm();
    registry = await startRegistry('http://127.0.0.1:9/', { login: REGISTRY_LOGIN });
    contained = contain({ loginRegistry: registry.host });
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtException', onException);
    t = await startTestApp({ PASSWORD_SCRYPT_LOG_N: '10', WEBHOOK_WAIT_SECONDS: '5' });
    for (const role of ['admin', 'user', 'victim'] as const) {
      usernames[role] = uniqueName(role[0]); // the first user registered is the ADMIN
      sessions[role] = await registerAndLogin(t, usernames[role]);
    }
    const doc = (await t.request('GET', '/docs-json')).body as unknown as OpenApiDocument;
    routes = routesOf(doc);

    // The webhook stacks run every repository the fixtures push, so real deliveries reach a rollout.
    const repositories = [...new Set(WEBHOOK_FIXTURES.flatMap((f) => f.pushes ?? []).map((p) => p.repository))];
    const compose = `services:\n${repositories.map((r, i) => `  s${i}:\n    image: ${r}:0.0.1\n`).join('')}`;
    for (const kind of ['plain', 'signed'] as const) {
      const script = await createScript('user', {
        serviceName: `${PREFIX}${kind[0]}`,
        dockerComposeContent: compose,
        isAutoUpdate: 1,
        ...(kind === 'signed' && { signingSecret: SIGNING_SECRET, requireSignature: true }),
      });
      const url = new URL(script.autoUpdateUrl);
      webhookScripts[kind] = { userId: sessions.user.id, serviceName: script.serviceName, token: url.searchParams.get('token')! };
    }
    const scratch = await createScript('user', { serviceName: `${PREFIX}x`, dockerComposeContent: 'services:\n  web:\n    image: alpine:3\n' });
    const channel = await t.request('POST', '/web/user/channels', { token: sessions.admin.authorization, body: { type: 'webhook', name: `${PREFIX}c`, url: 'http://127.0.0.1:9/hook' } });
    const credential = await t.request('POST', '/web/user/registries', { token: sessions.user.authorization, body: { host: registry.host, ...REGISTRY_LOGIN } });
    expect([channel.body.code, credential.body.code]).toEqual([0, 0]);
    const pools = {
      scriptId: [{ value: String(scratch.id), owner: 'user' as const }],
      id: [{ value: String(channel.body.data.id), owner: 'admin' as const }, { value: String(credential.body.data.id), owner: 'user' as const }],
      userId: [{ value: String(sessions.victim.id), owner: 'admin' as const }],
      name: [{ value: 'DB_PASSWORD' }, { value: 'x' }],
    };
    requests = requestArbitraries({ doc, pools, registryHost: registry.host, prefix: PREFIX });
    scratchScriptId = scratch.id;

    collectGarbage();
    heapAtStart = process.memoryUsage().heapUsed;
  });

  afterAll(async () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    await t?.close();
    contained?.restore();
    await registry?.stop();
  });

  it('finds the public routes in the app itself', () => {
    expect(routes.length).toBeGreaterThan(30);
    expect(routes.map((r) => `${r.method} ${r.template}`)).toEqual(
      expect.arrayContaining(['POST /web/user/login', 'POST /web/user/script', 'PUT /web/user/script/{scriptId}', 'POST /api/autoUpdate/{userId}/{serviceName}']),
    );
  });

  it('answers the hostile requests found so far with a 4xx envelope', async () => {
    const webhook = webhookScripts.plain;
    const webhookUrl = `/api/autoUpdate/${webhook.userId}/${webhook.serviceName}?token=${webhook.token}`;
    const found: [FuzzRequest, number, number][] = [
      // 500: the validation pipe overflowed the stack on a body nested 50,000 deep.
      [json('POST', '/web/user/login', DEEP_OBJECTS), 400, 40003],
      [json('POST', '/web/user/script', DEEP_ARRAYS, as('user')), 400, 40003],
      [json('PUT', `/web/admin/users/${sessions.victim.id}/role`, DEEP_OBJECTS, as('admin')), 400, 40003],
      [json('POST', webhookUrl, DEEP_OBJECTS), 400, 40003],
      [json('POST', webhookUrl, DEEP_ARRAYS), 400, 40003],
      // Seconds of CPU: class-transformer handles an object's keys in quadratic time.
      [json('POST', '/web/user/login', WIDE_OBJECT), 400, 40004],
      // An array validated as an object keyed by index: seconds of CPU, megabytes of errors.
      [json('POST', '/web/user/login', ARRAY_OF_OBJECTS), 400, 40000],
      // 500: null met a NOT NULL column or the compose parser; a create without a name met one too.
      [json('POST', '/web/user/script', JSON.stringify({ serviceName: `${PREFIX}null`, dockerComposeContent: 'services:\n  a:\n    image: alpine\n', tagPolicy: null }), as('admin')), 400, 40000],
      [json('PUT', `/web/user/script/${scratchScriptId}`, JSON.stringify({ dockerComposeContent: null }), as('user')), 400, 40000],
      [json('PUT', `/web/user/script/${scratchScriptId}`, JSON.stringify({ isAutoUpdate: null }), as('user')), 400, 40000],
      [json('POST', '/web/user/channels', JSON.stringify({ type: 'webhook', url: 'http://127.0.0.1:9/hook' }), as('user')), 400, 40000],
      // Fastify's own JSON instead of the envelope.
      [{ method: 'GET', url: '/web/user/deployments/%zz', caller: as('user'), headers: {} }, 400, 40005],
      [{ method: 'GET', url: `/web/user/script/${'9'.repeat(101)}`, caller: as('user'), headers: {} }, 414, 41400],
    ];
    for (const [req, status, code] of found) {
      const res = await send(req);
      expectSound(req, res);
      expect([req.url.slice(0, 60), res.statusCode, res.json().code]).toEqual([req.url.slice(0, 60), status, code]);
      expect(res.body.length).toBeLessThan(10_000);
    }
  });

  it('webhooks: mutated real deliveries and arbitrary bodies and headers, with the stack token and wrong ones', async () => {
    const mutation = fc.array(fc.tuple(fc.nat(), fc.constantFrom('tag', 'tag', 'tag', 'set', 'delete', 'array', 'wrap'), hostileValue), { maxLength: 3 });
    const registryIds = REGISTRY_FORMATS.map((f) => f.id);
    const request = fc.record({
      target: fc.oneof({ weight: 3, arbitrary: fc.constant('plain') }, { weight: 2, arbitrary: fc.constant('signed') }, { weight: 2, arbitrary: fc.constantFrom('wrongToken', 'unknownStack', 'badUser') }),
      tokenIn: fc.oneof({ weight: 4, arbitrary: fc.constant('query') }, { weight: 1, arbitrary: fc.constantFrom('header', 'both', 'none') }),
      source: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(...registryIds) }, { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_WORDS) }),
      fixture: fc.constantFrom(...WEBHOOK_FIXTURES),
      body: fc.oneof({ weight: 6, arbitrary: mutation }, { weight: 2, arbitrary: requests.anyBody() }),
      indent: fc.constantFrom(undefined, 2, 4),
      signature: fc.constantFrom('right', 'right', 'wrong', 'none'),
      contentType: fc.oneof({ weight: 7, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) }),
      extra: extraHeaders,
      language: acceptLanguage,
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const script = webhookScripts[r.target === 'signed' ? 'signed' : 'plain'];
        const token = r.target === 'wrongToken' ? `${script.token.slice(0, -1)}x` : script.token;
        const userId = r.target === 'badUser' ? String(sessions.admin.id) : String(script.userId);
        const serviceName = r.target === 'unknownStack' ? `${PREFIX}nope` : script.serviceName;
        const raw = Array.isArray(r.body) ? mutatedDelivery(r.fixture, r.body, r.indent) : r.body;
        const headers: Record<string, string | undefined> = { ...r.fixture.headers, ...r.extra, 'accept-language': r.language };
        if (r.contentType !== undefined) headers['content-type'] = r.contentType;
        if (r.tokenIn === 'header' || r.tokenIn === 'both') headers['x-webhook-token'] = token;
        if (r.signature !== 'none') Object.assign(headers, signatureHeaders(raw ?? '', r.signature === 'right' ? SIGNING_SECRET : 'not-the-secret'));
        const query = [r.tokenIn === 'query' || r.tokenIn === 'both' ? `token=${encodeURIComponent(token)}` : '', r.source === undefined ? '' : `source=${encodeURIComponent(r.source)}`].filter(Boolean).join('&');
        const req: FuzzRequest = { method: 'POST', url: `/api/autoUpdate/${encodeURIComponent(userId)}/${encodeURIComponent(serviceName)}${query ? `?${query}` : ''}`, caller: { header: headers.authorization }, headers, payload: raw };
        expectSound(req, await send(req));
      }),
      { seed: SEED, numRuns: runs(200) },
    );
    await expectAlive();
  });

  it('every route of the Swagger document: arbitrary bodies, query strings, path parameters and headers', async () => {
    for (const [i, route] of routes.entries()) {
      await fc.assert(
        fc.asyncProperty(requests.requestFor(route), async (generated) => {
          const req = withVictimToken(generated);
          expectSound(req, await send(req), route);
          if (/logout|refresh|admin\/users/.test(route.template)) await login('victim');
        }),
        // Routes that take a body have the most to get wrong.
        { seed: SEED + i, numRuns: runs(route.body ? 60 : 20) },
      );
    }
    await expectAlive();
  });

  it('compose files: arbitrary YAML-ish text and compose structures, on create and update, as a USER and an ADMIN', async () => {
    const request = fc.record({
      how: fc.constantFrom('create', 'update'),
      as: fc.constantFrom<Role>('user', 'admin'),
      text: fc.oneof({ weight: 4, arbitrary: composeObjectText }, { weight: 3, arbitrary: yamlishText }, { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_COMPOSE_TEXTS) }),
      name: fc.oneof(fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,20}$/).map((n) => `${PREFIX}${n}`.slice(0, 30)), fc.constantFrom(...HOSTILE_WORDS)),
      settings: fc.oneof(
        { weight: 3, arbitrary: fc.record({ isAutoUpdate: fc.constantFrom(0, 1), tagPolicy: fc.constantFrom('all', 'never', 'semver:minor+prerelease', 'glob:prod-*', 'regex:(a|a)*$') }, { requiredKeys: [] }) },
        { weight: 1, arbitrary: fc.record({ isAutoUpdate: hostileValue, tagPolicy: hostileValue }, { requiredKeys: [] }) },
      ),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const body = JSON.stringify({ dockerComposeContent: r.text, ...(r.how === 'create' && { serviceName: r.name }), ...r.settings });
        const url = r.how === 'create' ? '/web/user/script' : `/web/user/script/${scratchScriptId}`;
        // The script updated is the USER's own.
        const req = json(r.how === 'create' ? 'POST' : 'PUT', url, body, as(r.how === 'create' ? r.as : 'user'));
        expectSound(req, await send(req));
      }),
      { seed: SEED, numRuns: runs(150) },
    );
    await expectAlive();
  });

  it('the largest bodies allowed, again and again, leave memory where it was', async () => {
    const webhook = webhookScripts.plain;
    const big: FuzzRequest[] = [
      json('POST', '/web/user/login', JSON.stringify({ username: 'x'.repeat(1000), password: 'é'.repeat(450_000) })),
      json('POST', '/web/user/script', WIDEST_OBJECT, as('user')),
      json('POST', `/api/autoUpdate/${webhook.userId}/${webhook.serviceName}?token=${webhook.token}`, MANY_NUMBERS),
      json('POST', '/web/user/login', TOO_LARGE),
      json('PUT', `/web/user/script/${scratchScriptId}`, JSON.stringify({ dockerComposeContent: DEEP_YAML }), as('user')),
    ];
    const round = async () => {
      for (const req of big) expectSound(req, await send(req));
    };
    // The first rounds grow the heap and the allocator to what these bodies need; then nothing may grow.
    for (let i = 0; i < 3; i++) await round();
    collectGarbage();
    const before = process.memoryUsage();
    let peakRss = before.rss;
    for (let i = 0; i < runs(15); i++) {
      await round();
      collectGarbage();
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
    expect((process.memoryUsage().heapUsed - before.heapUsed) / 2 ** 20).toBeLessThan(16);
    expect((peakRss - before.rss) / 2 ** 20).toBeLessThan(64);
    await expectAlive();
  });

  it('the harness itself: a delivery aimed off this machine is stopped before any lookup or connection leaves it', async () => {
    const channel = await t.request('POST', '/web/user/channels', { token: sessions.user.authorization, body: { type: 'webhook', name: `${PREFIX}out`, url: 'https://dds-fuzz.example.com/hook' } });
    expect(channel.body.code).toBe(0);
    const test = await t.request('POST', `/web/user/channels/${channel.body.data.id}/test`, { token: sessions.user.authorization });
    expect([test.status, test.body.code]).toEqual([400, 40060]);
    expect(contained.stopped).toContain('lookup dds-fuzz.example.com');
  });

  it('afterwards: only docker ran, with an argument array and no shell; nothing left the machine; the app still answers', async () => {
    const live = await t.request('GET', '/health/live');
    expect([live.status, live.body.code]).toEqual([200, 0]);
    expect(troubles).toEqual([]);
    expect(existsSync(SHELL_MARKER)).toBe(false);
    expect(contained.otherProcessCalls).toEqual([]);
    expect(contained.spawned.length).toBeGreaterThan(10); // compose validation and webhook rollouts did run docker
    for (const call of contained.spawned) {
      expect({ command: call.command, shell: call.shell }).toEqual({ command: 'docker', shell: false });
      expect(Array.isArray(call.args) && (call.args as unknown[]).every((a) => typeof a === 'string' && !a.includes('\0'))).toBe(true);
      expect(subcommand(call.args as string[])).toMatch(READ_ONLY_DOCKER);
    }
    collectGarbage();
    const grownMiB = (process.memoryUsage().heapUsed - heapAtStart) / 2 ** 20;
    expect(grownMiB).toBeLessThan(96);
    console.log(
      `fuzz: ${sent} requests, ${answers.size} distinct (status, code) answers, ${contained.spawned.length} docker runs, ` +
        `${contained.stopped.length} connections or lookups stopped, heap ${grownMiB.toFixed(1)} MiB above the start`,
    );
  });
});
