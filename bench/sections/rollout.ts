import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { docker, ensureTestImage, removeStacks } from '../../test/support/test-images';
import { dropDatabase, freshDatabase } from '../lib/databases';
import { adminSession, call } from '../lib/client';
import { startApp } from '../lib/processes';
import type { Row } from '../run';

const HOST = 'registry.cn-shanghai.aliyuncs.com';
const NS = 'ddsbench';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const compose = (tag: string) => `services:
  app:
    image: ${HOST}/${NS}/app:${tag}
    stop_grace_period: 1s
    deploy:
      update_config: { parallelism: 1, delay: 0s, monitor: 1s }
`;
const push = (tag: string) => ({
  push_data: { digest: `sha256:${randomBytes(32).toString('hex')}`, pushed_at: '2021-04-22 13:36:43', tag },
  repository: { name: 'app', namespace: NS, region: 'cn-shanghai', repo_full_name: `${NS}/app` },
});

/** An app on SQLite with one deployed stack whose webhook is live; returns what the rounds need. */
async function deployedStack(stack: string, tags: string[]) {
  for (const tag of tags) ensureTestImage(`${HOST}/${NS}/app:${tag}`);
  const url = await freshDatabase('sqlite');
  const app = await startApp({ DATABASE_URL: url, REGISTRATION: 'open', WEBHOOK_WAIT_SECONDS: '300' });
  const { token } = await adminSession(app.url);
  const script = await call<{ id: number; autoUpdateUrl: string }>(app.url, 'POST', '/web/user/script', { serviceName: stack, dockerComposeContent: compose(tags[0]), isAutoUpdate: 1 }, token);
  await call(app.url, 'PUT', `/web/user/script/${script.id}/createService`, undefined, token);
  const hook = new URL(script.autoUpdateUrl);
  const fire = (tag: string) =>
    fetch(`${app.url}${hook.pathname}${hook.search}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(push(tag)) });
  return {
    app,
    token,
    script,
    fire,
    async close() {
      removeStacks(stack);
      await app.stop();
      await dropDatabase(url);
    },
  };
}

/** Webhook received -> converged, against the same `docker service update` run directly, alternating. */
export async function rolloutSection(log: (m: string) => void) {
  const rounds = Number(process.env.BENCH_ROLLOUT_ROUNDS ?? 5);
  const stack = `bench${randomBytes(2).toString('hex')}`;
  const tags = Array.from({ length: rounds * 2 + 1 }, (_, i) => `r${i}`);
  const env = await deployedStack(stack, tags);
  const viaWebhook: number[] = [];
  const direct: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const hookTag = tags[round * 2 + 1];
      const directTag = tags[round * 2 + 2];
      let started = Date.now();
      const res = await env.fire(hookTag);
      const body = (await res.json()) as { code: number };
      viaWebhook.push(Date.now() - started);
      if (res.status !== 200 || body.code !== 0) throw new Error(`webhook round ${round}: ${res.status} ${JSON.stringify(body)}`);
      started = Date.now();
      const run = spawnSync('docker', ['service', 'update', '--image', `${HOST}/${NS}/app:${directTag}`, '--detach=false', `${stack}_app`], { encoding: 'utf8' });
      direct.push(Date.now() - started);
      if (run.status !== 0) throw new Error(`direct round ${round}: ${run.stderr}`);
      log(`round ${round + 1}/${rounds}: webhook ${viaWebhook[round]} ms, direct ${direct[round]} ms`);
    }
  } finally {
    await env.close();
  }
  const overhead = median(viaWebhook) - median(direct);
  const rows: Row[] = [
    {
      section: 'rollout',
      case: `webhook received -> converged, median of ${rounds}`,
      value: `${median(viaWebhook)} ms`,
      baseline: `${median(direct)} ms (docker service update --detach=false)`,
      ratio: (median(viaWebhook) / median(direct)).toFixed(3),
      target: '< 1.05',
    },
    { section: 'rollout', case: 'median overhead', value: `${overhead} ms`, target: '< 200 ms' },
  ];
  return { rows, raw: { viaWebhook, direct } };
}

/** 50 webhooks for one stack within one second: rollouts run, final tag, time to converge. */
export async function stormSection(log: (m: string) => void) {
  const stack = `storm${randomBytes(2).toString('hex')}`;
  const tags = ['s0', ...Array.from({ length: 50 }, (_, i) => `s${i + 1}`)];
  const env = await deployedStack(stack, tags);
  try {
    const started = Date.now();
    const responses = await Promise.all(
      tags.slice(1).map(async (tag, i) => {
        await new Promise((r) => setTimeout(r, i * 19));
        return (await env.fire(tag)).status;
      }),
    );
    log(`statuses: ${JSON.stringify(responses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {}))}`);
    const want = `${HOST}/${NS}/app:s50`;
    const current = () => JSON.parse(docker('service', 'inspect', '--format', '{{json .Spec.TaskTemplate.ContainerSpec.Image}}', `${stack}_app`)).split('@')[0];
    while (current() !== want && Date.now() - started < 300_000) await new Promise((r) => setTimeout(r, 200));
    const converged = Date.now() - started;
    const history = await call<{ content: { action: string; status: string }[] }>(env.app.url, 'GET', `/web/user/script/${env.script.id}/deployments?pageSize=200`, undefined, env.token);
    const updates = history.content.filter((d) => d.action === 'update');
    const ran = updates.filter((d) => d.status !== 'superseded');
    const rows: Row[] = [
      { section: 'push storm', case: '50 webhooks in 1 s: rollouts run', value: `${ran.length} (${updates.length - ran.length} superseded)` },
      { section: 'push storm', case: 'final tag', value: current().split(':').pop()!, target: 's50' },
      { section: 'push storm', case: 'first push -> converged on the last tag', value: `${converged} ms` },
    ];
    return { rows, raw: { responses, ran: ran.length, converged } };
  } finally {
    await env.close();
  }
}
