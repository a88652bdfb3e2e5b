import { AppError } from '../../common/app-error';
import { Errors } from '../../common/error-codes';
import { fixtureDelivery } from '../../../test/fixtures/webhooks/fixtures';
import { formatOf, REGISTRY_FORMATS } from '.';
import { aliyun } from './aliyun';
import { azure } from './azure';
import { distribution } from './distribution';
import { dockerhub } from './dockerhub';
import { gitea } from './gitea';
import { github } from './github';
import { harbor } from './harbor';
import { quay } from './quay';
import { tencent } from './tencent';
import type { IncomingDelivery, ParsedDelivery, RegistryFormat } from './registry-format';

const delivery = (body: unknown, headers: IncomingDelivery['headers'] = {}): IncomingDelivery => ({ headers, body, rawBody: Buffer.from(JSON.stringify(body)) });
/** A fixture's body, changed by `mutate`. */
const changed = (file: string, mutate: (body: any) => void): any => {
  const { body } = fixtureDelivery({ file, headers: {} });
  mutate(body);
  return body;
};

/** The pushes of a headerless delivery of `body`, as the detected format reads them; `detectedPush` is the last. */
const detectedPushes = (body: unknown) => formatOf(delivery(body)).parse(delivery(body)).pushes;
const detectedPush = (body: unknown) => detectedPushes(body).at(-1);
const aliyunPersonal = () => changed('aliyun-acr-personal.json', () => undefined);

/** The en detail of the WEBHOOK_PAYLOAD_INVALID that parsing throws. */
function refusal(format: RegistryFormat, d: IncomingDelivery): string {
  try {
    format.parse(d);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).error).toBe(Errors.WEBHOOK_PAYLOAD_INVALID);
    expect((err as AppError).detail?.zh).toBeTruthy();
    return (err as AppError).detail!.en;
  }
  throw new Error('expected WEBHOOK_PAYLOAD_INVALID');
}

describe('aliyun', () => {
  const [push] = aliyun.parse(fixtureDelivery({ file: 'aliyun-acr-enterprise.json', headers: {} })).pushes;

  it('reads the Alibaba Cloud ACR example from the contract', () => {
    const push = detectedPush(aliyunPersonal())!;
    expect(push).toMatchObject({
      registry: 'aliyun',
      path: 'pongsky/halo',
      repository: 'registry.cn-shanghai.aliyuncs.com/pongsky/halo',
      tag: 'prod-1.4.7',
      digest: 'sha256:179b742913762a68ae7344a927b105f951e7a82adc544a92bf212f1dee3f2656',
    });
    expect(push.hostMatches('registry.cn-shanghai.aliyuncs.com')).toBe(true);
    expect(push.hostMatches('registry-vpc.cn-shanghai.aliyuncs.com')).toBe(true);
    expect(push.hostMatches('registry.cn-hangzhou.aliyuncs.com')).toBe(false);
    expect(push.hostMatches('evil.example.com')).toBe(false);
  });

  it.each([
    ['a tag with shell text', (b: any) => (b.push_data.tag = '$(id)')],
    ['a tag that is an option', (b: any) => (b.push_data.tag = '--help')],
    ['a tag with a space', (b: any) => (b.push_data.tag = 'a b')],
    ['a too long tag', (b: any) => (b.push_data.tag = 'x'.repeat(129))],
    ['a namespace with a slash escape', (b: any) => (b.repository.namespace = '../etc')],
    ['a bad region', (b: any) => (b.repository.region = 'cn shanghai')],
    ['a bad digest', (b: any) => (b.push_data.digest = 'sha256:xyz')],
    ['a missing tag', (b: any) => delete b.push_data.tag],
    ['a numeric tag', (b: any) => (b.push_data.tag = 147)],
  ])('refuses %s', (_, mutate) => {
    const body = changed('aliyun-acr-personal.json', mutate);
    expect(() => detectedPush(body)).toThrow(AppError);
    try {
      detectedPush(body);
    } catch (e) {
      expect((e as AppError).error).toBe(Errors.WEBHOOK_PAYLOAD_INVALID);
    }
  });

  it.each([
    'registry.cn-hangzhou.aliyuncs.com',
    'registry-vpc.cn-hangzhou.aliyuncs.com',
    'registry-internal.cn-hangzhou.aliyuncs.com',
    'acme-registry.cn-hangzhou.cr.aliyuncs.com',
    'acme-prod-registry-vpc.cn-hangzhou.cr.aliyuncs.com',
    'crpi-k3x9q1.cn-hangzhou.personal.cr.aliyuncs.com',
    'crpi-k3x9q1-vpc.cn-hangzhou.personal.cr.aliyuncs.com',
  ])('counts %s as the region’s registry', (host) => {
    expect(push.hostMatches(host)).toBe(true);
  });

  it.each([
    'registry.cn-shanghai.aliyuncs.com',
    'acme-registry.cn-shanghai.cr.aliyuncs.com',
    'registry.cn-hangzhou.aliyuncs.com.evil.io',
    'evil.io/registry.cn-hangzhou.aliyuncs.com',
    'acme-registry.cn-hangzhouxcr.aliyuncs.com',
    'docker.io',
  ])('does not count %s', (host) => {
    expect(push.hostMatches(host)).toBe(false);
  });
});

describe('dockerhub', () => {
  it('reads Docker Hub, with library/ for official names', () => {
    const push = detectedPush({ push_data: { tag: 'v2', pusher: 'me' }, repository: { repo_name: 'acme/web' } })!;
    expect(push).toMatchObject({ registry: 'dockerhub', path: 'acme/web', tag: 'v2' });
    expect(push.hostMatches('docker.io')).toBe(true);
    expect(detectedPush({ push_data: { tag: '1' }, repository: { repo_name: 'nginx' } })!.path).toBe('library/nginx');
  });

  it('matches Docker Hub by any of its names', () => {
    const [push] = dockerhub.parse(fixtureDelivery({ file: 'dockerhub-official.json', headers: {} })).pushes;
    for (const host of ['docker.io', 'index.docker.io', 'registry-1.docker.io']) expect(push.hostMatches(host)).toBe(true);
    expect(push.hostMatches('ghcr.io')).toBe(false);
  });

  it('names the missing field', () => {
    expect(refusal(dockerhub, delivery(changed('dockerhub-push.json', (b) => delete b.repository.repo_name)))).toContain('repository.repo_name');
    expect(refusal(dockerhub, delivery(changed('dockerhub-push.json', (b) => (b.push_data.tag = 7))))).toContain('push_data.tag');
  });
});

describe('harbor', () => {
  it('reads Harbor artifact pushes and ignores other Harbor events', () => {
    const body = {
      type: 'PUSH_ARTIFACT',
      event_data: {
        resources: [{ digest: `sha256:${'b'.repeat(64)}`, tag: 'v1', resource_url: 'harbor.acme.io/shop/api:v1' }],
        repository: { name: 'api', namespace: 'shop', repo_full_name: 'shop/api' },
      },
    };
    const push = detectedPush(body)!;
    expect(push).toMatchObject({ registry: 'harbor', path: 'shop/api', tag: 'v1' });
    expect(push.hostMatches('harbor.acme.io')).toBe(true);
    expect(detectedPush({ ...body, type: 'DELETE_ARTIFACT' })).toBeUndefined();
  });

  it('reads a CloudEvents delivery in binary mode (ce-* headers, the body is the data)', () => {
    const { body } = fixtureDelivery({ file: 'harbor-cloudevents-push.json', headers: {} });
    const binary = delivery((body as any).data, { 'ce-specversion': '1.0', 'ce-type': 'harbor.artifact.pushed', 'ce-id': 'e-1', 'content-type': 'application/json' });
    expect(formatOf(binary).id).toBe('harbor');
    expect(harbor.parse(binary)).toMatchObject({ deliveryId: 'e-1', pushes: [{ repository: 'harbor.dev/library/busybox', tag: '2.0.1' }] });
  });

  it('reads Harbor 1’s pushImage on its own host as Harbor', () => {
    const old = changed('tencent-push.json', (b) => (b.event_data.resources[0].resource_url = 'hub.acme.local/demo-ns/nginx:v1.0.3'));
    expect(formatOf(delivery(old)).id).toBe('harbor');
    expect(harbor.parse(delivery(old)).pushes[0]).toMatchObject({ registry: 'harbor', repository: 'hub.acme.local/demo-ns/nginx' });
  });

  it.each([
    ['a missing repo_full_name', (b: any) => delete b.event_data.repository.repo_full_name, 'repo_full_name'],
    ['no resources', (b: any) => (b.event_data.resources = []), 'event_data.resources'],
    ['a resource_url without host', (b: any) => (b.event_data.resources[0].resource_url = 'api:v1.4.0'), 'resources[0].resource_url'],
    ['a tag with shell text', (b: any) => (b.event_data.resources[0].tag = '$(id)'), 'invalid tag'],
    ['a path escape', (b: any) => (b.event_data.repository.repo_full_name = '../etc'), 'invalid repository'],
    ['a bad digest', (b: any) => (b.event_data.resources[0].digest = 'sha256:xyz'), 'invalid digest'],
    ['a host with a space', (b: any) => (b.event_data.resources[0].resource_url = 'bad host/shop/api:v1'), 'invalid registry host'],
  ])('refuses %s', (_, mutate, field) => {
    expect(refusal(harbor, delivery(changed('harbor-push.json', mutate)))).toContain(field);
  });
});

describe('github', () => {
  const published = (mutate: (b: any) => void, headers: Record<string, string> = { 'x-github-event': 'package' }) =>
    delivery(changed('github-package-published.json', mutate), headers);

  it('takes "updated" (another tag on a version) as a push, and ignores other actions', () => {
    expect(github.parse(published((b) => (b.action = 'updated'))).pushes).toHaveLength(1);
    expect(github.parse(published((b) => (b.action = 'deleted')))).toEqual({ pushes: [], ignored: 'package deleted event' });
  });

  it('reads the event from the payload when ?source=github forces a delivery without headers', () => {
    expect(formatOf(published(() => undefined, {}), 'github').parse(published(() => undefined, {})).pushes[0]).toMatchObject({ repository: 'ghcr.io/acme-org/web' });
    expect(refusal(github, delivery({ action: 'published' }))).toContain('X-GitHub-Event');
  });

  it('ignores other events', () => {
    expect(github.parse(delivery({ ref: 'refs/heads/main' }, { 'x-github-event': 'push' }))).toEqual({ pushes: [], ignored: 'push event' });
  });

  it.each([
    ['a missing namespace', (b: any) => delete b.package.namespace, 'package.namespace'],
    ['a missing tag object', (b: any) => delete b.package.package_version.container_metadata, 'container_metadata.tag.name'],
    ['a tag with shell text', (b: any) => (b.package.package_version.container_metadata.tag.name = '`id`'), 'invalid tag'],
  ])('refuses %s', (_, mutate, field) => {
    expect(refusal(github, published(mutate))).toContain(field);
  });
});

describe('gitea and forgejo', () => {
  const created = (mutate: (b: any) => void) => delivery(changed('gitea-package-created.json', mutate), { 'x-gitea-event': 'package' });

  it('ignores other events, e.g. the test delivery (a push event)', () => {
    expect(gitea.parse(delivery({ ref: 'refs/heads/main' }, { 'x-gitea-event': 'push' }))).toEqual({ pushes: [], ignored: 'push event' });
  });

  it.each([
    ['a missing owner', (b: any) => delete b.package.owner, 'package.owner.login'],
    ['a missing version', (b: any) => delete b.package.version, 'package.version'],
    ['an html_url without host', (b: any) => (b.package.html_url = 'acme/-/packages'), 'package.html_url'],
    ['a version with shell text', (b: any) => (b.package.version = '1;rm'), 'invalid tag'],
  ])('refuses %s', (_, mutate, field) => {
    expect(refusal(gitea, created(mutate))).toContain(field);
  });
});

describe('distribution', () => {
  it('reads registry notifications: only a tagged manifest push counts', () => {
    const manifest = 'application/vnd.docker.distribution.manifest.v2+json';
    const digest = `sha256:${'a'.repeat(64)}`;
    const body = {
      events: [
        { action: 'push', target: { mediaType: 'application/octet-stream', repository: 'acme/web', digest }, request: { host: '127.0.0.1:5000' } },
        { action: 'pull', target: { mediaType: manifest, repository: 'acme/web', tag: 'old' }, request: { host: '127.0.0.1:5000' } },
        { action: 'push', target: { mediaType: manifest, repository: 'acme/web', tag: '1.2.3', digest }, request: { host: '127.0.0.1:5000' } },
      ],
    };
    expect(detectedPush(body)).toMatchObject({ registry: 'distribution', path: 'acme/web', tag: '1.2.3', digest });
    expect(detectedPushes({ events: [body.events[0], body.events[1]] })).toEqual([]);
    const two = detectedPushes({ events: [body.events[2], { ...body.events[2], target: { ...body.events[2].target, repository: 'acme/api' } }] });
    expect(two.map((e) => e.path)).toEqual(['acme/web', 'acme/api']);
  });

  it('ignores an empty envelope', () => {
    expect(distribution.parse(delivery({ events: [] }))).toEqual({ pushes: [], ignored: 'no events' });
  });

  it('refuses a tagged manifest push without host or repository, naming the event', () => {
    const body = changed('distribution-mixed.json', (b) => delete b.events[3].request.host);
    expect(refusal(distribution, delivery(body))).toContain('events[3].request.host');
  });

  it('refuses an invalid tag on an image push', () => {
    expect(refusal(distribution, delivery(changed('distribution-mixed.json', (b) => (b.events[4].target.tag = '-rm'))))).toContain('invalid tag');
  });

  it('quotes an invalid tag, repository or host as at most 64 printable ASCII characters, without markup', () => {
    const hostile = `<b>\x1b[31m\r\n${'x'.repeat(1000)}`;
    for (const mutate of [(b: any) => (b.events[4].target.tag = hostile), (b: any) => (b.events[4].target.repository = hostile), (b: any) => (b.events[4].request.host = hostile)]) {
      const quoted = /"(.*)"/.exec(refusal(distribution, delivery(changed('distribution-mixed.json', mutate))))![1];
      expect(quoted).toMatch(/^\?b\?\?\[31m\?\?x+\.\.\.$/);
      expect(quoted).toHaveLength(64);
    }
  });
});

describe('azure', () => {
  it('names a missing host', () => {
    expect(refusal(azure, delivery(changed('azure-push.json', (b) => delete b.request.host)))).toContain('request.host');
  });

  it('ignores an untagged manifest push', () => {
    expect(azure.parse(delivery(changed('azure-push.json', (b) => delete b.target.tag))).ignored).toBe('untagged manifest push');
  });
});

describe('quay', () => {
  it('reads the older {tag: image id} updated_tags and a self-hosted host', () => {
    const body = changed('quay-push.json', (b) => {
      b.docker_url = 'quay.acme.io:8443/acme/web';
      b.updated_tags = { latest: 'b750fe79269d2ec9a3c593ef05b4332b1d1a02a62b4accb2c21d589ff2f5f2dc', '3.1.0': 'b750fe79' };
    });
    expect(quay.parse(delivery(body)).pushes.map((p) => `${p.repository}:${p.tag}`)).toEqual(['quay.acme.io:8443/acme/web:latest', 'quay.acme.io:8443/acme/web:3.1.0']);
  });

  it.each([
    ['an empty updated_tags', (b: any) => (b.updated_tags = []), 'updated_tags'],
    ['a non-string tag', (b: any) => (b.updated_tags = ['ok', 3]), 'updated_tags[1]'],
    ['a docker_url without host', (b: any) => (b.docker_url = 'web'), 'docker_url'],
  ])('refuses %s', (_, mutate, field) => {
    expect(refusal(quay, delivery(changed('quay-push.json', mutate)))).toContain(field);
  });

  it('has no digest to pin', () => {
    expect(quay.parse(fixtureDelivery({ file: 'quay-push.json', headers: {} })).pushes.every((p) => p.digest === undefined)).toBe(true);
  });
});

it.each([[null], [[]], ['x'], [{}], [{ hello: 1 }]])('refuses the non-payload %j', (body) => {
  expect(() => detectedPush(body)).toThrow(AppError);
});

it('never throws anything but WEBHOOK_PAYLOAD_INVALID on odd bodies', () => {
  const odd: unknown[] = [null, 1, 'x', [], {}, { events: [null, 1, 'x'] }, { type: 'PUSH_ARTIFACT', event_data: { resources: [null] } }, { push_data: 1, repository: { region: 'x' } }];
  for (const body of odd) {
    for (const format of REGISTRY_FORMATS) {
      const headers = { 'x-github-event': 'package', 'x-gitea-event': 'package', 'x-forgejo-event': 'package' };
      try {
        format.parse(delivery(body, headers));
      } catch (err) {
        expect(err).toBeInstanceOf(AppError);
        expect((err as AppError).error).toBe(Errors.WEBHOOK_PAYLOAD_INVALID);
      }
    }
  }
});

describe('what an "ignored" answer shows of the sender’s text', () => {
  /** Control characters, a header injection, HTML and 10 KB of text; payload strings are read up to 1 KB, so 1,000 characters of it too. */
  const HOSTILE = `<script>alert(1)</script>\x00\x1b[31m\r\nX-Injected: yes\t${'A'.repeat(10_000)}`;
  const CASES: [string, (text: string) => ParsedDelivery][] = [
    ['a GitHub event header', (text) => github.parse(delivery({}, { 'x-github-event': text }))],
    ['a GitHub package action', (text) => github.parse(delivery(changed('github-package-published.json', (b) => (b.action = text)), { 'x-github-event': 'package' }))],
    ['a GitHub package type', (text) => github.parse(delivery(changed('github-package-published.json', (b) => (b.package.package_type = text)), { 'x-github-event': 'package' }))],
    ['a Gitea event header', (text) => gitea.parse(delivery({}, { 'x-gitea-event': text }))],
    ['a Gitea package action', (text) => gitea.parse(delivery(changed('gitea-package-created.json', (b) => (b.action = text)), { 'x-gitea-event': 'package' }))],
    ['a Gitea package type', (text) => gitea.parse(delivery(changed('gitea-package-created.json', (b) => (b.package.type = text)), { 'x-gitea-event': 'package' }))],
    ['a Harbor CloudEvents ce-type header', (text) => harbor.parse(delivery({}, { 'ce-type': `harbor.${text}` }))],
    ['a Harbor CloudEvents type', (text) => harbor.parse(delivery({ specversion: '1.0', type: `harbor.${text}`, data: {} }))],
    ['a Harbor event type', (text) => harbor.parse(delivery(changed('harbor-delete.json', (b) => (b.type = text))))],
    ['a TCR event type', (text) => tencent.parse(delivery(changed('tencent-delete.json', (b) => (b.type = text))))],
    ['an Azure action', (text) => azure.parse(delivery(changed('azure-push.json', (b) => (b.action = text))))],
    ['a Distribution action', (text) => distribution.parse(delivery({ events: [{ action: text }] }))],
  ];

  it.each(CASES.flatMap(([what, parse]) => [[`${what} of 10 KB`, parse, HOSTILE] as const, [`${what} of 1,000 characters`, parse, HOSTILE.slice(0, 1000)] as const]))(
    'shows %s as printable ASCII without markup, at most 64 characters of it',
    (_, parse, text) => {
      const { pushes, ignored } = parse(text);
      expect(pushes).toEqual([]);
      expect(ignored).toMatch(/^[\x20-\x7e]+$/);
      expect(ignored).not.toMatch(/[<>&"'`\\]/);
      expect(ignored!.length).toBeLessThanOrEqual(64 + 'package of type  event'.length);
    },
  );

  it('shows a name registries send as it is', () => {
    expect(harbor.parse(delivery({}, { 'ce-type': 'harbor.artifact.deleted' })).ignored).toBe('harbor.artifact.deleted event');
    expect(github.parse(delivery({}, { 'x-github-event': 'registry_package.v2' })).ignored).toBe('registry_package.v2 event');
  });
});
