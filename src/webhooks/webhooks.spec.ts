import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../common/app-error';
import { Errors } from '../common/error-codes';
import { matchServices } from './match-services';
import { formatOf } from './registries';

const parsePushEvents = (body: unknown) => {
  const delivery = { headers: {}, body, rawBody: Buffer.from(JSON.stringify(body)) };
  return formatOf(delivery).parse(delivery).pushes;
};

const parsePushEvent = (body: unknown) => {
  const events = parsePushEvents(body);
  return events[events.length - 1];
};

const aliyunFixture = () =>
  JSON.parse(readFileSync(join(__dirname, '../../test/fixtures/webhooks/aliyun-acr-personal.json'), 'utf8'));

const images = (...list: [string, string][]) => list.map(([service, image]) => ({ service, image, repository: '' }));

describe('parsePushEvent', () => {
  it('reads the Alibaba Cloud ACR example from the contract', () => {
    const push = parsePushEvent(aliyunFixture())!;
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
    const body = aliyunFixture();
    mutate(body);
    expect(() => parsePushEvent(body)).toThrow(AppError);
    try {
      parsePushEvent(body);
    } catch (e) {
      expect((e as AppError).error).toBe(Errors.WEBHOOK_PAYLOAD_INVALID);
    }
  });

  it.each([[null], [[]], ['x'], [{}], [{ hello: 1 }]])('refuses the non-payload %j', (body) => {
    expect(() => parsePushEvent(body)).toThrow(AppError);
  });

  it('reads Docker Hub, with library/ for official names', () => {
    const push = parsePushEvent({ push_data: { tag: 'v2', pusher: 'me' }, repository: { repo_name: 'acme/web' } })!;
    expect(push).toMatchObject({ registry: 'dockerhub', path: 'acme/web', tag: 'v2' });
    expect(push.hostMatches('docker.io')).toBe(true);
    expect(parsePushEvent({ push_data: { tag: '1' }, repository: { repo_name: 'nginx' } })!.path).toBe('library/nginx');
  });

  it('reads registry notifications: only a tagged manifest push counts', () => {
    const manifest = 'application/vnd.docker.distribution.manifest.v2+json';
    const digest = `sha256:${'a'.repeat(64)}`;
    const body = {
      events: [
        { action: 'push', target: { mediaType: 'application/octet-stream', repository: 'acme/web', digest } , request: { host: '127.0.0.1:5000' } },
        { action: 'pull', target: { mediaType: manifest, repository: 'acme/web', tag: 'old' }, request: { host: '127.0.0.1:5000' } },
        { action: 'push', target: { mediaType: manifest, repository: 'acme/web', tag: '1.2.3', digest }, request: { host: '127.0.0.1:5000' } },
      ],
    };
    expect(parsePushEvent(body)).toMatchObject({ registry: 'distribution', path: 'acme/web', tag: '1.2.3', digest });
    expect(parsePushEvents({ events: [body.events[0], body.events[1]] })).toEqual([]);
    const two = parsePushEvents({ events: [body.events[2], { ...body.events[2], target: { ...body.events[2].target, repository: 'acme/api' } }] });
    expect(two.map((e) => e.path)).toEqual(['acme/web', 'acme/api']);
  });

  it('reads Harbor artifact pushes and ignores other Harbor events', () => {
    const body = {
      type: 'PUSH_ARTIFACT',
      event_data: {
        resources: [{ digest: `sha256:${'b'.repeat(64)}`, tag: 'v1', resource_url: 'harbor.acme.io/shop/api:v1' }],
        repository: { name: 'api', namespace: 'shop', repo_full_name: 'shop/api' },
      },
    };
    const push = parsePushEvent(body)!;
    expect(push).toMatchObject({ registry: 'harbor', path: 'shop/api', tag: 'v1' });
    expect(push.hostMatches('harbor.acme.io')).toBe(true);
    expect(parsePushEvent({ ...body, type: 'DELETE_ARTIFACT' })).toBeUndefined();
  });
});

describe('matchServices', () => {
  const push = () => parsePushEvent(aliyunFixture())!;

  it('rolls the service running the pushed repository, keeping the compose host', () => {
    const targets = matchServices(
      images(
        ['halo', 'registry-vpc.cn-shanghai.aliyuncs.com/pongsky/halo:prod-1.4.6'],
        ['db', 'mariadb:10'],
        ['worker', 'registry.cn-shanghai.aliyuncs.com/pongsky/halo@sha256:' + 'c'.repeat(64)],
      ),
      push(),
    );
    expect(targets).toEqual([
      { service: 'halo', repository: 'registry-vpc.cn-shanghai.aliyuncs.com/pongsky/halo' },
      { service: 'worker', repository: 'registry.cn-shanghai.aliyuncs.com/pongsky/halo' },
    ]);
  });

  it.each([
    ['another repository', 'registry.cn-shanghai.aliyuncs.com/pongsky/other:1'],
    ['another namespace', 'registry.cn-shanghai.aliyuncs.com/evil/halo:1'],
    ['another region', 'registry.cn-hangzhou.aliyuncs.com/pongsky/halo:1'],
    ['another host with the same path', 'evil.example.com/pongsky/halo:1'],
    ['Docker Hub with the same path', 'pongsky/halo:1'],
    ['a nested path', 'registry.cn-shanghai.aliyuncs.com/pongsky/halo/sub:1'],
    ['an unparsable image', '${IMAGE}'],
  ])('matches nothing for %s', (_, image) => {
    expect(matchServices(images(['svc', image]), push())).toEqual([]);
  });
});
