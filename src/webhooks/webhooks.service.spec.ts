import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { toErrorEnvelope } from '../common/all-exceptions.filter';
import { Errors } from '../common/error-codes';
import type { DockerConfig } from '../config/docker.config';
import type { WebhooksConfig } from '../config/webhooks.config';
import type { DeploymentIntake } from '../deployments/deployment-intake';
import type { DeploymentWaits } from '../deployments/deployment-waits';
import type { DeploymentsService } from '../deployments/deployments.service';
import type { Deployment, DeploymentStatus } from '../deployments/entities/deployment.entity';
import { MetricsService } from '../metrics/metrics.service';
import type { Script } from '../scripts/entities/script.entity';
import type { ScriptsService } from '../scripts/scripts.service';
import type { DeliveryEntry, WebhookDeliveriesService } from './deliveries/webhook-deliveries.service';
import { formatOf } from './registries';
import { WebhooksService } from './webhooks.service';

const TOKEN = 'the-right-token';
const DIGEST = `sha256:${'a'.repeat(64)}`;

type Registry = 'aliyun' | 'dockerhub' | 'harbor' | 'distribution';

/** For each registry: a push of pongsky/halo:v2, and the compose image it rolls. */
const REGISTRIES: Record<Registry, { image: string; push: (tag?: string, path?: string) => unknown }> = {
  aliyun: {
    image: 'registry.cn-shanghai.aliyuncs.com/pongsky/halo:v1',
    push: (tag = 'v2', path = 'pongsky/halo') => {
      const body = JSON.parse(readFileSync(join(__dirname, '../../test/fixtures/webhooks/aliyun-acr-personal.json'), 'utf8'));
      const [namespace, name] = path.split('/');
      Object.assign(body.repository, { namespace, name, repo_full_name: path });
      body.push_data.tag = tag;
      return body;
    },
  },
  dockerhub: {
    image: 'pongsky/halo:v1',
    push: (tag = 'v2', path = 'pongsky/halo') => ({ push_data: { tag, pusher: 'me' }, repository: { repo_name: path } }),
  },
  harbor: {
    image: 'harbor.acme.io/pongsky/halo:v1',
    push: (tag = 'v2', path = 'pongsky/halo') => ({
      type: 'PUSH_ARTIFACT',
      event_data: {
        resources: [{ digest: DIGEST, tag, resource_url: `harbor.acme.io/${path}:${tag}` }],
        repository: { name: path.split('/')[1], namespace: path.split('/')[0], repo_full_name: path },
      },
    }),
  },
  distribution: {
    image: 'registry.example.com:5000/pongsky/halo:v1',
    push: (tag = 'v2', path = 'pongsky/halo') => ({
      events: [
        {
          action: 'push',
          target: { mediaType: 'application/vnd.docker.distribution.manifest.v2+json', repository: path, tag, digest: DIGEST },
          request: { host: 'registry.example.com:5000' },
        },
      ],
    }),
  },
};

interface Options {
  isAutoUpdate?: number;
  finalStatus?: DeploymentStatus | 'running';
  tagPolicy?: string;
  replayOf?: { id: number; deploymentId: number };
  /** What `wait` answers when asked not to wait (a replay first looks whether the rollout still runs). */
  statusAtFirstLook?: DeploymentStatus;
}

function setup(registry: Registry, opts: Options = {}) {
  const script = {
    id: 7,
    userId: 3,
    serviceName: 'halo',
    isAutoUpdate: opts.isAutoUpdate ?? 1,
    tagPolicy: opts.tagPolicy ?? 'all',
    requireSignature: 0,
    images: [{ service: 'halo', image: REGISTRIES[registry].image, repository: '' }],
  } as unknown as Script;
  const scripts = {
    findByWebhookName: async (userId: number, serviceName: string) => (userId === 3 && serviceName === 'halo' ? script : undefined),
    tokenMatches: (_: Script, token: unknown) => token === TOKEN,
    signingSecret: () => null,
  } as unknown as ScriptsService;
  const requested: unknown[] = [];
  const status = opts.finalStatus ?? 'succeeded';
  const deployment = {
    id: 11,
    status,
    errorCode: status === 'failed' ? Errors.DEPLOYMENT_FAILED.code : status === 'rolled_back' ? Errors.DEPLOYMENT_ROLLED_BACK.code : null,
    error: status === 'succeeded' || status === 'running' ? null : `it ${status}`,
    output: 'halo_halo\nverify: done',
  } as Deployment;
  const intake = {
    request: async (req: unknown) => (requested.push(req), { ...deployment, status: 'queued' }),
  } as unknown as DeploymentIntake;
  const waits = {
    wait: async (_id: number, ms: number) => (ms === 0 && opts.statusAtFirstLook ? { ...deployment, status: opts.statusAtFirstLook } : deployment),
  } as unknown as DeploymentWaits;
  const deployments = { lastRolledTag: async () => undefined } as unknown as DeploymentsService;
  const recorded: DeliveryEntry[] = [];
  const deliveries = {
    record: async (entry: DeliveryEntry) => (recorded.push({ ...entry }), { id: recorded.length }),
    answered: async (id: number, httpStatus: number, code: number) => Object.assign(recorded[id - 1], { httpStatus, code }),
    findReplay: async () => opts.replayOf ?? null,
  } as unknown as WebhookDeliveriesService;
  const metrics = new MetricsService();
  const service = new WebhooksService(
    scripts,
    intake,
    waits,
    deployments,
    deliveries,
    { webhookWaitSeconds: 1 } as DockerConfig,
    { replayWindowMs: 60_000 } as WebhooksConfig,
    metrics,
  );
  return { service, metrics, requested, recorded };
}

const call = (body: unknown, token = TOKEN) => ({
  userId: '3',
  serviceName: 'halo',
  token,
  source: undefined,
  headers: {},
  body,
  rawBody: Buffer.from(JSON.stringify(body) ?? ''),
});

/** What the HTTP client sees: the status and code, as the exception filter renders them. */
async function answer(service: WebhooksService, body: unknown, token = TOKEN): Promise<{ status: number; code: number }> {
  try {
    const outcome = await service.receive(call(body, token));
    return { status: outcome.accepted ? 202 : 200, code: 0 };
  } catch (err) {
    const { status, body: envelope } = toErrorEnvelope(err, true);
    return { status, code: envelope.code };
  }
}

async function outcomes(metrics: MetricsService): Promise<Record<string, number>> {
  const text = await metrics.render();
  const counted: Record<string, number> = {};
  for (const [, outcome, n] of text.matchAll(/^dds_webhook_requests_total\{outcome="([a-z_]+)"\} (\d+)$/gm)) {
    if (Number(n)) counted[outcome] = Number(n);
  }
  return counted;
}

const invalidTag = (registry: Registry) => REGISTRIES[registry].push('$(id)');
const CODES = {
  notFound: Errors.WEBHOOK_NOT_FOUND.code,
  invalid: Errors.WEBHOOK_PAYLOAD_INVALID.code,
  off: Errors.AUTO_UPDATE_DISABLED.code,
  noMatch: Errors.WEBHOOK_NO_MATCH.code,
  failed: Errors.DEPLOYMENT_FAILED.code,
  rolledBack: Errors.DEPLOYMENT_ROLLED_BACK.code,
};

/** The registry a body is detected as, whether or not its fields are valid. */
function registryOf(body: unknown): string | undefined {
  try {
    return formatOf({ headers: {}, body, rawBody: Buffer.from(JSON.stringify(body)) }).id;
  } catch {
    return undefined;
  }
}

describe('registry detection', () => {
  it.each(Object.keys(REGISTRIES) as Registry[])('recognises %s, valid or not', (registry) => {
    expect(registryOf(REGISTRIES[registry].push())).toBe(registry);
    expect(registryOf(invalidTag(registry))).toBe(registry);
  });

  it.each([[null], ['x'], [[]], [{}], [{ events: 'nope' }]])('recognises nothing in %j', (body) => {
    expect(registryOf(body)).toBeUndefined();
  });
});

describe('WebhooksService: HTTP status per registry', () => {
  // Distribution retries any non-2xx forever (and holds back later notifications): 200 once the token is right.
  const distribution = (status: number) => (registry: Registry) => (registry === 'distribution' ? 200 : status);

  it.each(Object.keys(REGISTRIES) as Registry[])('%s', async (registry) => {
    const expected = (status: number) => distribution(status)(registry);
    const { push } = REGISTRIES[registry];

    expect(await answer(setup(registry).service, push())).toEqual({ status: 200, code: 0 });
    expect(await answer(setup(registry, { finalStatus: 'running' }).service, push())).toEqual({ status: 202, code: 0 });
    // The token check comes first and keeps its 404 for every registry, whatever the payload.
    expect(await answer(setup(registry).service, push(), 'wrong')).toEqual({ status: 404, code: CODES.notFound });
    expect(await answer(setup(registry).service, invalidTag(registry), 'wrong')).toEqual({ status: 404, code: CODES.notFound });

    expect(await answer(setup(registry).service, invalidTag(registry))).toEqual({ status: expected(400), code: CODES.invalid });
    expect(await answer(setup(registry, { isAutoUpdate: 0 }).service, push())).toEqual({ status: expected(403), code: CODES.off });
    expect(await answer(setup(registry).service, push('v2', 'pongsky/other'))).toEqual({ status: expected(400), code: CODES.noMatch });
    expect(await answer(setup(registry, { finalStatus: 'failed' }).service, push())).toEqual({ status: expected(500), code: CODES.failed });
    expect(await answer(setup(registry, { finalStatus: 'rolled_back' }).service, push())).toEqual({ status: expected(500), code: CODES.rolledBack });
  });

  it('keeps the output lines in the envelope of a failed rollout answered with 200', async () => {
    const { service } = setup('distribution', { finalStatus: 'rolled_back' });
    const err = await service.receive(call(REGISTRIES.distribution.push())).catch((e) => e);
    expect(toErrorEnvelope(err, true)).toMatchObject({ status: 200, body: { code: CODES.rolledBack, data: ['halo_halo', 'verify: done'] } });
  });

  it('answers a body that is no registry payload at all with 400 (no registry to spare a retry)', async () => {
    expect(await answer(setup('distribution').service, { hello: 1 })).toEqual({ status: 400, code: CODES.invalid });
    expect(await answer(setup('distribution').service, { events: [{ action: 'push', target: { mediaType: 'manifest', tag: 'v2' } }] })).toEqual({
      status: 200,
      code: CODES.invalid,
    });
  });
});

describe('WebhooksService: dds_webhook_requests_total', () => {
  it('counts each call once by its outcome, and queues only real matches', async () => {
    const { push } = REGISTRIES.aliyun;
    const calls: [ReturnType<typeof setup>, unknown, string?][] = [];
    const ok = setup('aliyun');
    calls.push([ok, push()], [ok, push(), 'wrong'], [ok, invalidTag('aliyun')], [ok, push('v2', 'pongsky/other')]);
    calls.push([ok, { type: 'DELETE_ARTIFACT', event_data: {} }]);
    for (const [s, body, token] of calls) await answer(s.service, body, token);
    expect(await outcomes(ok.metrics)).toEqual({ succeeded: 1, not_found: 1, invalid_payload: 1, no_match: 1, ignored: 1 });
    expect(ok.requested).toHaveLength(1);

    for (const [options, outcome] of [
      [{ isAutoUpdate: 0 }, 'auto_update_off'],
      [{ finalStatus: 'running' }, 'accepted'],
      [{ finalStatus: 'failed' }, 'failed'],
      [{ finalStatus: 'rolled_back' }, 'rolled_back'],
      [{ finalStatus: 'superseded' }, 'superseded'],
      [{ finalStatus: 'interrupted' }, 'interrupted'],
    ] as const) {
      const s = setup('distribution', options);
      await answer(s.service, REGISTRIES.distribution.push());
      expect(await outcomes(s.metrics)).toEqual({ [outcome]: 1 });
    }
  });

  it('counts an unexpected failure as "error" and never puts caller input in a label', async () => {
    const s = setup('aliyun');
    (s.service as unknown as { intake: { request: () => Promise<never> } }).intake.request = async () => {
      throw new Error('database gone');
    };
    await expect(s.service.receive(call(REGISTRIES.aliyun.push()))).rejects.toThrow('database gone');
    await answer(s.service, REGISTRIES.aliyun.push('v2', 'leaky/secret-repo'), 'leaky-token-value');
    expect(await outcomes(s.metrics)).toEqual({ error: 1, not_found: 1 });
    const text = await s.metrics.render();
    for (const leak of ['leaky', 'secret-repo', 'halo']) expect(text).not.toContain(leak);
  });
});

describe('WebhooksService: what is queued', () => {
  it('queues the services the push matched, each rolling to the repository its compose image names', async () => {
    const s = setup('aliyun');
    await answer(s.service, REGISTRIES.aliyun.push('v2'));
    expect(s.requested).toEqual([
      expect.objectContaining({ action: 'update', trigger: 'webhook', repository: 'registry.cn-shanghai.aliyuncs.com/pongsky/halo', tag: 'v2', services: ['halo'], source: 'aliyun' }),
    ]);
  });
});

describe('WebhooksService: tag policy, replays and the delivery log', () => {
  it('refuses a tag the policy does not allow, runs nothing and records why', async () => {
    const s = setup('aliyun', { tagPolicy: 'glob:prod-*' });
    expect(await answer(s.service, REGISTRIES.aliyun.push('v2'))).toEqual({ status: 400, code: Errors.TAG_REFUSED_BY_POLICY.code });
    expect(s.requested).toHaveLength(0);
    expect(s.recorded).toEqual([
      expect.objectContaining({ decision: 'refused_by_policy', tag: 'v2', httpStatus: 400, code: Errors.TAG_REFUSED_BY_POLICY.code, reason: expect.stringContaining('glob:prod-*') }),
    ]);
    expect(await outcomes(s.metrics)).toEqual({ refused_by_policy: 1 });
  });

  it('runs a replayed push once: the replay is answered with the earlier deployment and rolls nothing', async () => {
    const s = setup('aliyun', { replayOf: { id: 41, deploymentId: 11 } });
    expect(await answer(s.service, REGISTRIES.aliyun.push())).toEqual({ status: 200, code: 0 });
    expect(s.requested).toHaveLength(0);
    expect(s.recorded).toEqual([expect.objectContaining({ decision: 'duplicate', deploymentId: 11, reason: expect.stringContaining('delivery 41') })]);
  });

  it('a replay that arrives while the rollout runs waits for it like the push it repeats, and answers its output', async () => {
    const s = setup('aliyun', { replayOf: { id: 41, deploymentId: 11 }, statusAtFirstLook: 'running' });
    await expect(s.service.receive(call(REGISTRIES.aliyun.push()))).resolves.toEqual({ accepted: false, data: ['halo_halo', 'verify: done'] });
    expect(s.requested).toHaveLength(0);
    expect(s.recorded).toEqual([expect.objectContaining({ decision: 'duplicate', deploymentId: 11 })]);
    expect(await outcomes(s.metrics)).toEqual({ duplicate: 1 });
  });

  it('knows a replay before the tag policy, which would refuse the tag now running', async () => {
    const s = setup('aliyun', { tagPolicy: 'never', replayOf: { id: 41, deploymentId: 11 } });
    expect(await answer(s.service, REGISTRIES.aliyun.push())).toEqual({ status: 200, code: 0 });
    expect(s.recorded).toEqual([expect.objectContaining({ decision: 'duplicate' })]);
  });

  it('records a rollout before waiting for it, then its answer', async () => {
    const s = setup('harbor', { finalStatus: 'rolled_back' });
    await answer(s.service, REGISTRIES.harbor.push());
    expect(s.recorded).toEqual([
      expect.objectContaining({ decision: 'deployed', deploymentId: 11, source: 'harbor', proof: 'token', tag: 'v2', digest: DIGEST, httpStatus: 500, code: Errors.DEPLOYMENT_ROLLED_BACK.code }),
    ]);
  });

  it('records a wrong token for an existing script, and nothing for an unknown one', async () => {
    const s = setup('aliyun');
    await answer(s.service, REGISTRIES.aliyun.push(), 'wrong');
    expect(s.recorded).toEqual([expect.objectContaining({ decision: 'bad_token', proof: 'invalid', httpStatus: 404 })]);
    await s.service.receive({ ...call(REGISTRIES.aliyun.push()), serviceName: 'other' }).catch(() => undefined);
    expect(s.recorded).toHaveLength(1);
  });
});
