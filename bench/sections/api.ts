import { BenchDb, dropDatabase, freshDatabase, seedScripts } from '../lib/databases';
import { adminSession, call, composeFor } from '../lib/client';
import { load, LoadResult } from '../lib/load';
import { sign } from 'jsonwebtoken';
import { randomBytes } from 'node:crypto';
import { rssMiB, startApp, startBareFastify, startStackFloor } from '../lib/processes';
import type { Row } from '../run';

/** Issue 15's targets, on both databases: throughput as a share of bare Fastify, p99 at this load, start and memory. */
const TARGETS = { detailRatio: 0.2, pageRatio: 0.1, p99Ms: 15, startMs: 1000, idleRssMiB: 100 };
const verdict = (met: boolean) => (met ? 'met' : 'NOT met');

const fmt = (r: LoadResult) => `${r.rps} req/s p50 ${r.p50} ms p99 ${r.p99} ms${r.errors ? ` (${r.errors} errors)` : ''}`;

/**
 * The same load on the stack's floor (bench/lib/stack-floor.ts): Nest on Fastify with a global
 * passport-jwt guard and one `SELECT ?` per request, on this database. The app cannot beat it.
 */
async function stackFloor(db: BenchDb, databaseUrl: string, base: LoadResult, log: (m: string) => void): Promise<Row> {
  const secret = randomBytes(32).toString('hex');
  const floor = await startStackFloor(databaseUrl, secret);
  const idle = rssMiB(floor.pid);
  try {
    log('load: stack floor');
    const token = sign({ sub: '1', sid: 1 }, secret, { algorithm: 'HS256', expiresIn: 600 });
    const run = (seconds?: number) => load({ url: `${floor.url}/hello`, headers: { authorization: token }, seconds });
    await run(1);
    const result = await run();
    return {
      section: `api (${db})`,
      case: 'floor: Nest + passport-jwt guard + one SELECT ?',
      value: `${fmt(result)}; start ${floor.startMs} ms, RSS idle ${idle} MiB`,
      baseline: `${base.rps} req/s (bare Fastify)`,
      ratio: (result.rps / base.rps).toFixed(3),
    };
  } finally {
    await floor.stop();
  }
}

/** API throughput vs bare Fastify, list/detail latency at 1k and 100k scripts, and footprint. */
export async function apiSection(db: BenchDb, opts: { scale: boolean; log: (m: string) => void }) {
  const rows: Row[] = [];
  const raw: Record<string, unknown> = {};
  const url = await freshDatabase(db);
  // Auto-update off and docker validation on: the webhook path parses and checks, but never rolls.
  const env = { DATABASE_URL: url, REGISTRATION: 'open', AUTH_RATE_LIMIT_PER_ADDRESS: '100000' };
  // The first start creates the schema; every later one (a restart, each replica of a rolling update)
  // finds it. The target is for the latter, and both are shown.
  const install = await startApp(env);
  await install.stop();
  const app = await startApp(env);
  const bare = await startBareFastify();
  try {
    rows.push({
      section: `footprint (${db})`,
      case: 'first start, creating the schema',
      value: `${install.startMs} ms`,
      baseline: `${bare.startMs} ms (bare Fastify)`,
    });
    rows.push({
      section: `footprint (${db})`,
      case: 'cold start to ready (schema in place)',
      value: `${app.startMs} ms`,
      baseline: `${bare.startMs} ms (bare Fastify)`,
      target: `< ${TARGETS.startMs} ms (${verdict(app.startMs < TARGETS.startMs)})`,
    });
    const idle = rssMiB(app.pid);
    const { token } = await adminSession(app.url);
    const ids: number[] = [];
    for (let i = 0; i < 25; i++) {
      const script = await call<{ id: number }>(app.url, 'POST', '/web/user/script', {
        serviceName: `bench${db}${i}`,
        dockerComposeContent: composeFor(`registry.cn-shanghai.aliyuncs.com/bench/app:${i}`),
        isAutoUpdate: 0,
      }, token);
      ids.push(script.id);
    }
    const detail = await call<{ autoUpdateUrl: string }>(app.url, 'GET', `/web/user/script/${ids[0]}`, undefined, token);
    const hook = new URL(detail.autoUpdateUrl);
    const push = JSON.stringify({
      push_data: { digest: `sha256:${'a'.repeat(64)}`, pushed_at: '2021-04-22 13:36:43', tag: '2' },
      repository: { name: 'app', namespace: 'bench', region: 'cn-shanghai', repo_full_name: 'bench/app' },
    });
    const auth = { authorization: token };
    opts.log('load: bare Fastify');
    // Each figure after a 1 s warm-up of the same requests: the JIT's first seconds are not the steady state.
    await load({ url: `${bare.url}/hello`, seconds: 1 });
    const base = await load({ url: `${bare.url}/hello` });
    const basePost = await load({ url: `${bare.url}/hello`, method: 'POST', headers: { 'content-type': 'application/json' }, body: push });
    // SQLite's round trip is in-process: an in-memory database is the same `SELECT ?`.
    rows.push(await stackFloor(db, db === 'sqlite' ? 'sqlite::memory:' : url, base, opts.log));
    const cases: [string, (seconds?: number) => Promise<LoadResult>, LoadResult, number?][] = [
      ['GET /web/user/script/{id} (authenticated)', (seconds) => load({ url: `${app.url}/web/user/script/${ids[0]}`, headers: auth, seconds }), base, TARGETS.detailRatio],
      ['GET /web/user/script (page of 20)', (seconds) => load({ url: `${app.url}/web/user/script?pageNumber=1&pageSize=20`, headers: auth, seconds }), base, TARGETS.pageRatio],
      [
        'POST webhook accept path (auto-update off)',
        (seconds) => load({ url: `${app.url}${hook.pathname}${hook.search}`, method: 'POST', headers: { 'content-type': 'application/json' }, body: push, seconds }),
        basePost,
      ],
    ];
    for (const [name, run, baseline, minRatio] of cases) {
      opts.log(`load: ${name}`);
      await run(1);
      const result = await run();
      raw[name] = { result, baseline };
      const ratio = result.rps / baseline.rps;
      rows.push({
        section: `api (${db})`,
        case: name,
        value: fmt(result),
        baseline: `${baseline.rps} req/s (bare Fastify)`,
        ratio: ratio.toFixed(3),
        ...(minRatio !== undefined && {
          target: `>= ${minRatio}, p99 < ${TARGETS.p99Ms} ms (${verdict(ratio >= minRatio && result.p99 < TARGETS.p99Ms && !result.errors && !result.non2xx)})`,
        }),
      });
    }
    rows.push({
      section: `footprint (${db})`,
      case: 'RSS idle / after load',
      value: `${idle} MiB / ${rssMiB(app.pid)} MiB`,
      baseline: `${rssMiB(bare.pid)} MiB (bare Fastify after load)`,
      target: `idle < ${TARGETS.idleRssMiB} MiB (${verdict(idle < TARGETS.idleRssMiB)})`,
    });

    if (opts.scale) {
      for (const total of [1_000, 100_000]) {
        opts.log(`seeding ${total} scripts`);
        await seedScripts(url, total);
        const list = await load({ url: `${app.url}/web/user/script?pageNumber=1&pageSize=20`, headers: auth, seconds: 3, connections: 4 });
        const one = await load({ url: `${app.url}/web/user/script/${ids[ids.length - 1]}`, headers: auth, seconds: 3, connections: 4 });
        const admin = await load({ url: `${app.url}/web/user/script?pageNumber=1&pageSize=20&serviceName=bench`, headers: auth, seconds: 3, connections: 4 });
        raw[`scale-${total}`] = { list, one, admin };
        rows.push({ section: `scale (${db})`, case: `list, ${total} scripts in the table`, value: `p50 ${list.p50} ms p99 ${list.p99} ms (${list.rps} req/s)` });
        rows.push({ section: `scale (${db})`, case: `detail, ${total} scripts`, value: `p50 ${one.p50} ms p99 ${one.p99} ms (${one.rps} req/s)` });
        rows.push({ section: `scale (${db})`, case: `list filtered by name, ${total} scripts`, value: `p50 ${admin.p50} ms p99 ${admin.p99} ms (${admin.rps} req/s)` });
      }
    }
  } finally {
    await app.stop();
    await bare.stop();
    await dropDatabase(url);
  }
  return { rows, raw };
}
