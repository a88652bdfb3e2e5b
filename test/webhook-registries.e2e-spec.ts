/**
 * Every registry format, end to end on a real swarm: a delivery built from that registry's fixture
 * (test/fixtures/webhooks), serialised here and sent as those exact bytes with the registry's headers,
 * rolls a deployed stack; then the sender's proof, the tag policy, replays, ignored events and the
 * delivery log that tells each story.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fixturePath, WEBHOOK_FIXTURES, WebhookFixture } from './fixtures/webhooks/fixtures';
import { haloCompose, specImage } from './support/rollouts';
import { assertSwarm, ensureTestImage, removeStacks } from './support/test-images';
import { ApiResponse, registerAndLogin, startTestApp, TestApp } from './support/test-app';

type Login = Awaited<ReturnType<typeof registerAndLogin>>;
type Registry = WebhookFixture['registry'];

const PREFIX = `wr${randomBytes(3).toString('hex')}`;
/** The repository path every test image lives under, on each registry's host. */
const NS = `${PREFIX}ns`;
const SECRET = `s3cret-${randomBytes(12).toString('hex')}`;
const digest = () => `sha256:${randomBytes(32).toString('hex')}`;

const fixture = (file: string): any => JSON.parse(readFileSync(fixturePath(file), 'utf8'));
const headersOf = (file: string) => ({ ...WEBHOOK_FIXTURES.find((f) => f.file === file)!.headers });

/** A delivery as a registry would post it: the bytes and the headers (signatures included). */
interface Delivery {
  raw: string;
  headers: Record<string, string>;
}

const hmac = (raw: string, secret = SECRET) => createHmac('sha256', secret).update(raw, 'utf8').digest('hex');

/**
 * One registry's push of `${host}/${NS}/<name>:<tag>`: its fixture with the repository and tag
 * rewritten, serialised with the fixture's indentation, signed where that registry signs.
 */
interface RegistryCase {
  registry: Registry;
  host: string;
  /** How the registry proves itself once the stack has a signing secret. */
  proof: 'signature' | 'header' | 'token';
  push(tag: string, opts?: { name?: string; digest?: string; deliveryId?: string }): Delivery;
}

const signed = (raw: string, headers: Record<string, string>, registry: Registry): Delivery => {
  if (registry === 'github') headers['x-hub-signature-256'] = `sha256=${hmac(raw)}`;
  if (registry === 'gitea' || registry === 'forgejo') headers['x-gitea-signature'] = hmac(raw);
  if (registry === 'forgejo') headers['x-forgejo-signature'] = hmac(raw);
  return { raw, headers };
};

const giteaCase = (registry: 'gitea' | 'forgejo', file: string, host: string): RegistryCase => ({
  registry,
  host,
  proof: 'signature',
  push(tag, { name = 'app', deliveryId = randomUUID() } = {}) {
    const body = fixture(file);
    body.package.owner.login = body.package.owner.username = NS;
    body.package.name = name;
    body.package.version = tag;
    body.package.html_url = `https://${host}/${NS}/-/packages/container/${name}/${tag}`;
    const headers = headersOf(file);
    for (const key of Object.keys(headers)) if (key.endsWith('-delivery')) headers[key] = deliveryId;
    return signed(JSON.stringify(body, null, 2), headers, registry);
  },
});

const harborBody = (file: string, host: string, name: string, tag: string, d: string) => {
  const body = fixture(file);
  body.event_data.resources = [{ digest: d, tag, resource_url: `${host}/${NS}/${name}:${tag}` }];
  Object.assign(body.event_data.repository, { name, namespace: NS, repo_full_name: `${NS}/${name}` });
  return body;
};

const CASES: RegistryCase[] = [
  {
    registry: 'aliyun',
    host: 'registry.cn-shanghai.aliyuncs.com',
    proof: 'token',
    push(tag, { name = 'app', digest: d = digest() } = {}) {
      const body = fixture('aliyun-acr-personal.json');
      Object.assign(body.push_data, { tag, digest: d });
      Object.assign(body.repository, { name, namespace: NS, repo_full_name: `${NS}/${name}` });
      return { raw: JSON.stringify(body, null, 4), headers: headersOf('aliyun-acr-personal.json') };
    },
  },
  {
    registry: 'dockerhub',
    host: 'docker.io',
    proof: 'token',
    push(tag, { name = 'app' } = {}) {
      const body = fixture('dockerhub-push.json');
      body.push_data.tag = tag;
      Object.assign(body.repository, { name, namespace: NS, owner: NS, repo_name: `${NS}/${name}` });
      return { raw: JSON.stringify(body, null, 2), headers: headersOf('dockerhub-push.json') };
    },
  },
  {
    registry: 'harbor',
    host: 'harbor.acme.io',
    proof: 'header',
    push(tag, { name = 'app', digest: d = digest() } = {}) {
      const raw = JSON.stringify(harborBody('harbor-push.json', 'harbor.acme.io', name, tag, d), null, 2);
      return { raw, headers: { ...headersOf('harbor-push.json'), authorization: `Bearer ${SECRET}` } };
    },
  },
  {
    registry: 'github',
    host: 'ghcr.io',
    proof: 'signature',
    push(tag, { name = 'app', digest: d = digest(), deliveryId = randomUUID() } = {}) {
      const body = fixture('github-package-published.json');
      Object.assign(body.package, { namespace: NS, name });
      body.package.package_version.container_metadata.tag = { name: tag, digest: d };
      const headers = { ...headersOf('github-package-published.json'), 'x-github-delivery': deliveryId };
      return signed(JSON.stringify(body, null, 2), headers, 'github');
    },
  },
  giteaCase('gitea', 'gitea-package-created.json', 'git.example.com'),
  giteaCase('forgejo', 'forgejo-package-created.json', 'code.example.org:3000'),
  {
    registry: 'distribution',
    host: 'registry.example.com:5000',
    proof: 'header',
    push(tag, { name = 'app', digest: d = digest() } = {}) {
      // The fixture's envelope as it is (a blob push, an untagged manifest, a pull, a tagged push of
      // the stack's repository, then one of another repository), with the tagged push renamed.
      const body = fixture('distribution-mixed.json');
      for (const event of body.events) {
        event.id = randomUUID();
        event.target.repository = event.target.repository === 'acme/web' ? `${NS}/${name}` : `${NS}/other`;
        if (event.target.tag === '1.2.3') Object.assign(event.target, { tag, digest: d });
      }
      return { raw: JSON.stringify(body, null, 2), headers: { ...headersOf('distribution-mixed.json'), authorization: `Bearer ${SECRET}` } };
    },
  },
  {
    registry: 'azure',
    host: 'myregistry.azurecr.io',
    proof: 'header',
    push(tag, { name = 'app', digest: d = digest(), deliveryId = randomUUID() } = {}) {
      const body = fixture('azure-push.json');
      body.id = deliveryId;
      Object.assign(body.target, { repository: `${NS}/${name}`, tag, digest: d });
      return { raw: JSON.stringify(body, null, 2), headers: { ...headersOf('azure-push.json'), 'x-webhook-secret': SECRET } };
    },
  },
  {
    registry: 'quay',
    host: 'quay.io',
    proof: 'token',
    push(tag, { name = 'app' } = {}) {
      const body = fixture('quay-push.json');
      Object.assign(body, { name, namespace: NS, repository: `${NS}/${name}`, docker_url: `quay.io/${NS}/${name}`, updated_tags: [tag] });
      return { raw: JSON.stringify(body, null, 2), headers: headersOf('quay-push.json') };
    },
  },
  {
    registry: 'tencent',
    host: 'demo-tcr.tencentcloudcr.com',
    proof: 'header',
    push(tag, { name = 'app', digest: d = digest() } = {}) {
      const raw = JSON.stringify(harborBody('tencent-push.json', 'demo-tcr.tencentcloudcr.com', name, tag, d), null, 2);
      return { raw, headers: { ...headersOf('tencent-push.json'), authorization: SECRET } };
    },
  },
];
const caseOf = (registry: Registry) => CASES.find((c) => c.registry === registry)!;

/** The image a compose file names for `${host}/${NS}/<name>:<tag>` (Docker Hub's without its host). */
const imageOf = (c: RegistryCase, tag: string, name = 'app') => (c.host === 'docker.io' ? `${NS}/${name}:${tag}` : `${c.host}/${NS}/${name}:${tag}`);

interface Stack {
  id: number;
  path: string;
  swarmService: string;
}

describe('registry webhooks of every format on a real swarm', () => {
  let t: TestApp;
  let owner: Login;
  let stranger: Login;
  let stackCounter = 0;

  /** Saves a script running `image` (and `more` services) with `settings`, deploys it, and returns its webhook path. */
  async function deployedStack(image: string, settings: Record<string, unknown> = {}, more = ''): Promise<Stack> {
    const serviceName = `${PREFIX}s${stackCounter++}`;
    const created = await t.request('POST', '/web/user/script', {
      token: owner.authorization,
      body: { serviceName, dockerComposeContent: haloCompose(image, more), isAutoUpdate: 1, ...settings },
    });
    if (created.body.code !== 0) throw new Error(`create failed: ${JSON.stringify(created.body)}`);
    const deployed = await t.request('PUT', `/web/user/script/${created.body.data.id}/createService`, { token: owner.authorization });
    if (deployed.body.code !== 0) throw new Error(`createService failed: ${JSON.stringify(deployed.body)}`);
    const url = new URL(created.body.data.autoUpdateUrl);
    return { id: created.body.data.id, path: `${url.pathname}${url.search}`, swarmService: `${serviceName}_halo` };
  }

  const send = (stack: Stack, d: Delivery): Promise<ApiResponse> => t.request('POST', stack.path, { raw: d.raw, headers: d.headers });

  const deploymentsOf = async (stack: Stack): Promise<{ id: number; status: string; tag: string; trigger: string; action: string }[]> =>
    (await t.request('GET', `/web/user/script/${stack.id}/deployments?pageSize=100`, { token: owner.authorization })).body.data.content;

  const deliveriesOf = async (stack: Stack, who: Login = owner) =>
    t.request('GET', `/web/user/script/${stack.id}/webhooks?pageSize=100`, { token: who.authorization });

  /** The deployment a webhook answer started (202: its id; 200: the newest), once it has finished. */
  async function finished(stack: Stack, answer: ApiResponse) {
    const id = answer.status === 202 ? answer.body.data.deploymentId : (await deploymentsOf(stack))[0].id;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const d = (await deploymentsOf(stack)).find((x) => x.id === id)!;
      if (!['queued', 'running'].includes(d.status) || Date.now() > deadline) return d;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Expects the answer to have rolled the stack's service to `image`, successfully. */
  async function expectRolled(stack: Stack, answer: ApiResponse, image: string, tag = image.split(':').pop()) {
    expect({ status: answer.status, code: answer.body.code }).toEqual({ status: answer.status === 202 ? 202 : 200, code: 0 });
    expect(await finished(stack, answer)).toMatchObject({ action: 'update', trigger: 'webhook', tag, status: 'succeeded' });
    expect(specImage(stack.swarmService)).toBe(image);
  }

  /** Expects a refusal that ran nothing: the answer, and the stack's deployments and image as before. */
  async function expectRefused(stack: Stack, d: Delivery, status: number, code: number) {
    const before = await deploymentsOf(stack);
    const image = specImage(stack.swarmService);
    const res = await send(stack, d);
    expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
    expect(await deploymentsOf(stack)).toEqual(before);
    expect(specImage(stack.swarmService)).toBe(image);
    return res;
  }

  beforeAll(async () => {
    assertSwarm();
    for (const c of CASES) for (const tag of ['1', '2']) ensureTestImage(imageOf(c, tag));
    t = await startTestApp({ WEBHOOK_WAIT_SECONDS: '30', MAX_PARALLEL_DEPLOYMENTS: '10' });
    owner = await registerAndLogin(t);
    stranger = await registerAndLogin(t);
  });

  afterAll(async () => {
    removeStacks(PREFIX);
    await t?.close();
  });

  describe('each format rolls its stack to the pushed tag', () => {
    const rolled = new Map<Registry, { stack: Stack; answer: ApiResponse; deployment: Awaited<ReturnType<typeof finished>> }>();

    beforeAll(async () => {
      // All ten at once: each rollout takes seconds, mostly waiting for swarm to converge.
      await Promise.all(
        CASES.map(async (c) => {
          const stack = await deployedStack(imageOf(c, '1'), c.proof === 'token' ? {} : { signingSecret: SECRET });
          const answer = await send(stack, c.push('2'));
          rolled.set(c.registry, { stack, answer, deployment: await finished(stack, answer) });
        }),
      );
    });

    it.each(CASES.map((c) => [c.registry, c] as const))('%s', async (registry, c) => {
      const { stack, answer, deployment } = rolled.get(registry)!;
      expect({ status: answer.status, code: answer.body.code }).toEqual({ status: answer.status === 202 ? 202 : 200, code: 0 });
      expect(deployment).toMatchObject({ action: 'update', trigger: 'webhook', tag: '2', status: 'succeeded' });
      expect(specImage(stack.swarmService)).toBe(imageOf(c, '2'));
      const [logged] = (await deliveriesOf(stack)).body.data.content;
      expect(logged).toMatchObject({
        source: registry,
        proof: c.proof,
        repository: `${c.host}/${NS}/app`,
        tag: '2',
        decision: 'deployed',
        deploymentId: deployment.id,
        deploymentStatus: 'succeeded',
        httpStatus: answer.status,
        code: 0,
      });
    });
  });

  describe('sender proof, tag policy, replays and ignored events, as the delivery log tells them', () => {
    const github = caseOf('github');
    const harbor = caseOf('harbor');
    const aliyun = caseOf('aliyun');
    /** GitHub with a signing secret: only refusals and a ping reach it. */
    let signedGithub: Stack;
    /** requireSignature: an ACR service (`halo`) beside a Harbor one (`web`). */
    let required: Stack;
    let semver: Stack;
    /** glob:prod-*, then never. */
    let restricted: Stack;
    let githubReplay: Stack;
    let aliyunReplay: Stack;

    const webService = (image: string) => `  web:
    image: ${image}
    stop_grace_period: 1s
    deploy:
      update_config: { parallelism: 1, delay: 0s, monitor: 1s, failure_action: rollback }
`;

    beforeAll(async () => {
      for (const tag of ['1.2.0', '1.3.0']) ensureTestImage(imageOf(aliyun, tag, 'pol'));
      [signedGithub, required, semver, restricted, githubReplay, aliyunReplay] = await Promise.all([
        deployedStack(imageOf(github, '1'), { signingSecret: SECRET }),
        deployedStack(imageOf(aliyun, '1'), { signingSecret: SECRET, requireSignature: true }, webService(imageOf(harbor, '1'))),
        deployedStack(imageOf(aliyun, '1.2.0', 'pol'), { tagPolicy: 'semver:minor' }),
        deployedStack(imageOf(aliyun, '1'), { tagPolicy: 'glob:prod-*' }),
        deployedStack(imageOf(github, '1'), { signingSecret: SECRET }),
        deployedStack(imageOf(aliyun, '1')),
      ]);
    });

    describe('sender proof', () => {
      it('refuses a GitHub delivery with a wrong signature, a re-serialised body or no signature, and runs nothing', async () => {
        const wrong = github.push('2');
        wrong.headers['x-hub-signature-256'] = `sha256=${hmac(wrong.raw, `${SECRET}-not`)}`;
        expect((await expectRefused(signedGithub, wrong, 401, 40131)).body.message).toMatch(/signature/i);

        // The same JSON value under its original signature, but not the bytes that were signed.
        const original = github.push('2');
        await expectRefused(signedGithub, { raw: JSON.stringify(JSON.parse(original.raw)), headers: original.headers }, 401, 40131);

        const unsigned = github.push('2');
        delete unsigned.headers['x-hub-signature-256'];
        await expectRefused(signedGithub, unsigned, 401, 40132);
      });

      it('refuses a Harbor delivery whose Authorization header is not the secret (a Distribution one too, answered 200 so it is not retried)', async () => {
        const d = harbor.push('2');
        d.headers.authorization = `Bearer ${SECRET}x`;
        await expectRefused(required, d, 401, 40131);
        const notification = caseOf('distribution').push('2');
        notification.headers.authorization = 'Bearer registry-secret';
        await expectRefused(required, notification, 200, 40131);
      });

      it('with requireSignature, refuses an ACR delivery (token only) and rolls a Harbor one carrying Authorization: Bearer <secret>', async () => {
        const acr = await expectRefused(required, aliyun.push('2'), 401, 40132);
        expect(acr.body.message).toMatch(/URL token/);
        const answer = await send(required, harbor.push('2'));
        await expectRolled({ ...required, swarmService: required.swarmService.replace(/_halo$/, '_web') }, answer, imageOf(harbor, '2'));
        expect(specImage(required.swarmService)).toBe(imageOf(aliyun, '1'));
      });
    });

    describe('tag policy', () => {
      it('semver:minor rolls 1.3.0 over 1.2.0, knows its replay as one (not as "not higher"), and refuses 2.0.0, 1.1.0 and latest', async () => {
        const push = aliyun.push('1.3.0', { name: 'pol' });
        await expectRolled(semver, await send(semver, push), imageOf(aliyun, '1.3.0', 'pol'));
        expect((await send(semver, push)).body).toMatchObject({ code: 0, data: [expect.stringMatching(/^duplicate: /)] });
        for (const tag of ['2.0.0', '1.1.0', 'latest']) {
          const res = await expectRefused(semver, aliyun.push(tag, { name: 'pol' }), 400, 40074);
          expect(res.body.message).toContain('semver:minor');
        }
      });

      it('glob:prod-* refuses dev-1, and never refuses everything', async () => {
        await expectRefused(restricted, aliyun.push('dev-1'), 400, 40074);
        const update = await t.request('PUT', `/web/user/script/${restricted.id}`, { token: owner.authorization, body: { tagPolicy: 'never' } });
        expect(update.body.data).toMatchObject({ tagPolicy: 'never' });
        for (const tag of ['prod-2', '2', 'latest']) await expectRefused(restricted, aliyun.push(tag), 400, 40074);
      });
    });

    describe('replays', () => {
      it('runs a GitHub delivery sent twice (same X-GitHub-Delivery) once', async () => {
        const d = github.push('2');
        const first = await send(githubReplay, d);
        const again = await send(githubReplay, d);
        await expectRolled(githubReplay, first, imageOf(github, '2'));
        if (again.status === 202) expect(again.body.data.deploymentId).toBe((await deploymentsOf(githubReplay))[0].id);
        // Under load the first answer can outlast GitHub's budget (202): the replay then joins the
        // rollout still running and answers with its output once it ends.
        else if (first.status === 202) expect(again.body).toMatchObject({ code: 0, data: expect.arrayContaining([expect.any(String)]) });
        else expect(again.body).toMatchObject({ code: 0, data: [expect.stringMatching(/^duplicate: /)] });
        expect((await deploymentsOf(githubReplay)).filter((x) => x.trigger === 'webhook')).toHaveLength(1);
      });

      it('runs the same ACR push (same digest) sent twice once', async () => {
        const d = aliyun.push('2');
        await expectRolled(aliyunReplay, await send(aliyunReplay, d), imageOf(aliyun, '2'));
        const again = await send(aliyunReplay, d);
        expect({ status: again.status, body: again.body }).toEqual({ status: 200, body: { code: 0, message: expect.any(String), data: [expect.stringMatching(/^duplicate: /)] } });
        expect((await deploymentsOf(aliyunReplay)).filter((x) => x.trigger === 'webhook')).toHaveLength(1);
      });
    });

    describe('ignored events', () => {
      it('answers a signed GitHub ping and a Harbor DELETE_ARTIFACT 200 "ignored", and runs nothing', async () => {
        const ping = readFileSync(fixturePath('github-ping.json'), 'utf8');
        const pinged = await expectRefused(signedGithub, signed(ping, headersOf('github-ping.json'), 'github'), 200, 0);
        expect(pinged.body.data).toEqual(['ignored: ping event']);

        const deleted = JSON.stringify(harborBody('harbor-delete.json', harbor.host, 'web', '1', digest()), null, 2);
        const res = await expectRefused(required, { raw: deleted, headers: { ...headersOf('harbor-delete.json'), authorization: `Bearer ${SECRET}` } }, 200, 0);
        expect(res.body.data).toEqual(['ignored: DELETE_ARTIFACT event']);
      });
    });

    describe('the delivery log', () => {
      const story = async (stack: Stack) =>
        (await deliveriesOf(stack)).body.data.content.map((d: Record<string, unknown>) => ({
          source: d.source,
          proof: d.proof,
          tag: d.tag,
          decision: d.decision,
          deploymentStatus: d.deploymentStatus,
          httpStatus: d.httpStatus,
          code: d.code,
        }));

      it('tells each delivery’s story, newest first', async () => {
        expect(await story(signedGithub)).toEqual([
          { source: 'github', proof: 'signature', tag: null, decision: 'ignored', deploymentStatus: null, httpStatus: 200, code: 0 },
          { source: 'github', proof: 'missing', tag: null, decision: 'signature_required', deploymentStatus: null, httpStatus: 401, code: 40132 },
          { source: 'github', proof: 'invalid', tag: null, decision: 'bad_signature', deploymentStatus: null, httpStatus: 401, code: 40131 },
          { source: 'github', proof: 'invalid', tag: null, decision: 'bad_signature', deploymentStatus: null, httpStatus: 401, code: 40131 },
        ]);
        const [ignored, unsigned, , wrong] = (await deliveriesOf(signedGithub)).body.data.content;
        expect(ignored.reason).toBe('ping event');
        expect(unsigned.reason).toMatch(/carries no signature/);
        expect(wrong.reason).toMatch(/signature does not match/);

        expect(await story(required)).toEqual([
          { source: 'harbor', proof: 'header', tag: null, decision: 'ignored', deploymentStatus: null, httpStatus: 200, code: 0 },
          { source: 'harbor', proof: 'header', tag: '2', decision: 'deployed', deploymentStatus: 'succeeded', httpStatus: expect.any(Number), code: 0 },
          { source: 'aliyun', proof: 'missing', tag: null, decision: 'signature_required', deploymentStatus: null, httpStatus: 401, code: 40132 },
          { source: 'distribution', proof: 'invalid', tag: null, decision: 'bad_signature', deploymentStatus: null, httpStatus: 200, code: 40131 },
          { source: 'harbor', proof: 'invalid', tag: null, decision: 'bad_signature', deploymentStatus: null, httpStatus: 401, code: 40131 },
        ]);

        const policy = (await deliveriesOf(semver)).body.data.content;
        expect(policy.map((d: { tag: string; decision: string }) => [d.tag, d.decision])).toEqual([
          ['latest', 'refused_by_policy'],
          ['1.1.0', 'refused_by_policy'],
          ['2.0.0', 'refused_by_policy'],
          ['1.3.0', 'duplicate'],
          ['1.3.0', 'deployed'],
        ]);
        for (const refused of policy.slice(0, 3)) expect(refused).toMatchObject({ httpStatus: 400, code: 40074, deploymentId: null, reason: expect.stringContaining('(tag policy semver:minor)') });
        expect(policy[3]).toMatchObject({ httpStatus: 200, code: 0, deploymentId: policy[4].deploymentId, deploymentStatus: 'succeeded' });
        expect(policy[4]).toMatchObject({ source: 'aliyun', proof: 'token', deploymentStatus: 'succeeded', digest: expect.stringMatching(/^sha256:/) });

        const replays = (await deliveriesOf(githubReplay)).body.data.content;
        const rollout = replays[1].deploymentId;
        expect(replays).toEqual([
          expect.objectContaining({ decision: 'duplicate', deploymentId: rollout, deploymentStatus: 'succeeded', reason: expect.stringMatching(/already rolled/) }),
          expect.objectContaining({ source: 'github', proof: 'signature', tag: '2', decision: 'deployed', deploymentStatus: 'succeeded' }),
        ]);
        expect(replays[0].deliveryId).toBe(replays[1].deliveryId);
      });

      it('is the owner’s only: another user gets 404', async () => {
        const res = await deliveriesOf(signedGithub, stranger);
        expect({ status: res.status, code: res.body.code, data: res.body.data }).toEqual({ status: 404, code: 40410, data: undefined });
      });
    });
  });
});
