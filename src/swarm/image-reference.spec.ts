import { InvalidDockerArgumentError } from './docker-names';
import {
  imageReference,
  isDigest,
  isImageReference,
  isRegistryHost,
  isRepository,
  isRepositoryPath,
  isTag,
  normaliseRepository,
  parseImageReference,
  sameImage,
  sameRepository,
  splitImageReference,
} from './image-reference';

const HOSTILE = ['--help', '-d', '$(id)', '`id`', 'a b', 'a\nb', 'a;b', 'a|b', "a'b", 'a"b', '', 'x'.repeat(300), 'a\0b', '../etc', 'A\tb'];

describe('image reference checks at the docker boundary', () => {
  it.each(HOSTILE)('refuses hostile value %j everywhere', (v) => {
    expect(isImageReference(v)).toBe(false);
    expect(isTag(v)).toBe(false);
    expect(isRepository(v)).toBe(false);
    expect(isRepositoryPath(v)).toBe(false);
    expect(() => imageReference({ repository: v, tag: '1' })).toThrow(InvalidDockerArgumentError);
    expect(() => imageReference({ repository: 'halohub/halo', tag: v })).toThrow(InvalidDockerArgumentError);
    // An empty digest means "no digest"; anything else must be a digest.
    if (v !== '') expect(() => imageReference({ repository: 'halohub/halo', tag: '1', digest: v })).toThrow(InvalidDockerArgumentError);
  });

  it('an uppercase first component is a registry host, as docker reads it', () => {
    expect(isRepository('HaloHub/halo')).toBe(true);
    expect(parseImageReference('HaloHub/halo:1')?.registry).toBe('halohub');
    expect(isRepository('halohub/Halo')).toBe(false);
  });

  it('digests: algorithm and at least 32 hex digits', () => {
    expect(isDigest('sha256:' + 'a'.repeat(64))).toBe(true);
    expect(isDigest('sha256:' + 'A'.repeat(64))).toBe(true);
    expect(isDigest('sha256:abc')).toBe(false);
    expect(isDigest('sha256:' + 'g'.repeat(64))).toBe(false);
    expect(isDigest('-sha256:' + 'a'.repeat(64))).toBe(false);
    expect(isDigest('sha256:' + 'a'.repeat(300))).toBe(false);
  });

  it('accepts real repositories, without tag or digest', () => {
    for (const ok of ['halo', 'halohub/halo', 'registry.cn-shanghai.aliyuncs.com/pongsky/halo', '127.0.0.1:5000/acme/web', 'localhost/a__b/c-d.e', 'Registry.Example.com/x']) {
      expect(isRepository(ok)).toBe(true);
    }
    for (const bad of ['halohub/halo:1.4.7', 'halohub/halo@sha256:' + 'a'.repeat(64), 'halo/', '/halo', 'a//b', 'a/-b', 'a/b-', 'host:5000']) {
      expect(isRepository(bad)).toBe(false);
    }
  });

  it('registry hosts: lowercase host[:port] or [ipv6][:port], the port at most 65535', () => {
    for (const ok of ['docker.io', 'registry.cn-shanghai.aliyuncs.com', '127.0.0.1:5000', 'localhost', 'registry:65535', '[::1]:5000']) expect(isRegistryHost(ok)).toBe(true);
    for (const bad of ['', 'Registry.io', 'a..b', '-a.io', 'a-.io', 'a.io:65536', 'a.io:123456', 'a/b', 'a b', '[::1', 'x'.repeat(254), 42]) expect(isRegistryHost(bad)).toBe(false);
  });

  it('repository paths: the part inside a registry, never a host', () => {
    for (const ok of ['halo', 'library/nginx', 'acme/a__b/c-d.e', 'registry.example.com/x']) expect(isRepositoryPath(ok)).toBe(true);
    for (const bad of ['127.0.0.1:5000/acme/web', 'Registry.Example.com/x', 'Acme/web', 'a//b', 'halo/', 'a/b:1', 'a/b?x']) expect(isRepositoryPath(bad)).toBe(false);
  });

  it('tags follow docker grammar', () => {
    expect(isTag('1.4.7')).toBe(true);
    expect(isTag('prod-1.4.7_rc.1')).toBe(true);
    expect(isTag('_x')).toBe(true);
    expect(isTag('.x')).toBe(false);
    expect(isTag('-x')).toBe(false);
    expect(isTag('a'.repeat(128))).toBe(true);
    expect(isTag('a'.repeat(129))).toBe(false);
  });

  it('builds and splits references', () => {
    const digest = 'sha256:' + 'ab'.repeat(32);
    expect(imageReference({ repository: 'halohub/halo', tag: '1.4.7' })).toBe('halohub/halo:1.4.7');
    expect(imageReference({ repository: 'halohub/halo', tag: '1.4.7', digest })).toBe(`halohub/halo:1.4.7@${digest}`);
    expect(splitImageReference(`127.0.0.1:5000/a/b:2@${digest}`)).toEqual({ repository: '127.0.0.1:5000/a/b', tag: '2', digest });
    expect(splitImageReference('127.0.0.1:5000/a/b')).toEqual({ repository: '127.0.0.1:5000/a/b', tag: undefined, digest: undefined });
    expect(splitImageReference('a/b:--help')).toBeNull();
  });

  it('normalises for comparison like docker does', () => {
    expect(normaliseRepository('halo')).toBe('docker.io/library/halo');
    expect(normaliseRepository('halohub/halo')).toBe('docker.io/halohub/halo');
    expect(sameRepository('docker.io/halohub/halo', 'halohub/halo')).toBe(true);
    expect(sameRepository('index.docker.io/library/halo', 'halo')).toBe(true);
    expect(sameRepository('Registry.CN-shanghai.aliyuncs.com/p/halo', 'registry.cn-shanghai.aliyuncs.com/p/halo')).toBe(true);
    expect(sameRepository('registry.cn-shanghai.aliyuncs.com/p/halo', 'p/halo')).toBe(false);
    // The same rules as webhook matching (scripts/compose/image-reference): one parser decides.
    expect(sameRepository('registry-1.docker.io/acme/web', 'acme/web')).toBe(true);
    expect(normaliseRepository('MyHost/acme/web')).toBe('myhost/acme/web'); // uppercase first component: a host
  });

  it('compares images by repository and tag, digest only when both have one', () => {
    expect(sameImage('docker.io/halohub/halo:2', 'halohub/halo:2')).toBe(true);
    expect(sameImage(`halohub/halo:2@sha256:${'a'.repeat(64)}`, 'halohub/halo:2')).toBe(true);
    expect(sameImage(`halohub/halo:2@sha256:${'a'.repeat(64)}`, `halohub/halo:2@sha256:${'b'.repeat(64)}`)).toBe(false);
    expect(sameImage('halohub/halo:1', 'halohub/halo:2')).toBe(false);
    expect(sameImage('halohub/halo', 'halohub/halo:latest')).toBe(true);
  });
});


describe('parseImageReference', () => {
  it.each([
    ['nginx', { registry: 'docker.io', path: 'library/nginx', repository: 'docker.io/library/nginx' }],
    ['nginx:1.27-alpine', { registry: 'docker.io', path: 'library/nginx', repository: 'docker.io/library/nginx', tag: '1.27-alpine' }],
    ['pongsky/halo:latest', { registry: 'docker.io', path: 'pongsky/halo', repository: 'docker.io/pongsky/halo', tag: 'latest' }],
    ['docker.io/nginx', { registry: 'docker.io', path: 'library/nginx', repository: 'docker.io/library/nginx' }],
    ['index.docker.io/library/nginx:1', { registry: 'docker.io', path: 'library/nginx', repository: 'docker.io/library/nginx', tag: '1' }],
    [
      'registry.cn-shanghai.aliyuncs.com/pongsky/halo:prod-1.4.6',
      { registry: 'registry.cn-shanghai.aliyuncs.com', path: 'pongsky/halo', repository: 'registry.cn-shanghai.aliyuncs.com/pongsky/halo', tag: 'prod-1.4.6' },
    ],
    ['127.0.0.1:5000/acme/web:1.2.3', { registry: '127.0.0.1:5000', path: 'acme/web', repository: '127.0.0.1:5000/acme/web', tag: '1.2.3' }],
    ['localhost:5000/web', { registry: 'localhost:5000', path: 'web', repository: 'localhost:5000/web' }],
    ['localhost/web', { registry: 'localhost', path: 'web', repository: 'localhost/web' }],
    ['Registry.Example.COM:443/a/b/c', { registry: 'registry.example.com:443', path: 'a/b/c', repository: 'registry.example.com:443/a/b/c' }],
    ['[::1]:5000/acme/web', { registry: '[::1]:5000', path: 'acme/web', repository: '[::1]:5000/acme/web' }],
    ['ghcr.io/org/my_app__x.y-z:v1', { registry: 'ghcr.io', path: 'org/my_app__x.y-z', repository: 'ghcr.io/org/my_app__x.y-z', tag: 'v1' }],
  ])('parses %s', (ref, expected) => {
    expect(parseImageReference(ref)).toEqual(expected);
  });

  it('parses digests, with or without a tag', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(parseImageReference(`127.0.0.1:5000/acme/web@${digest}`)).toEqual({
      registry: '127.0.0.1:5000',
      path: 'acme/web',
      repository: '127.0.0.1:5000/acme/web',
      digest,
    });
    expect(parseImageReference(`nginx:1.27@${digest}`)).toEqual({
      registry: 'docker.io',
      path: 'library/nginx',
      repository: 'docker.io/library/nginx',
      tag: '1.27',
      digest,
    });
  });

  it.each([
    [''],
    [' nginx'],
    ['nginx '],
    ['Nginx'],
    ['pongsky/Halo:1'],
    ['registry.example.com/Acme/web'],
    ['nginx:'],
    ['nginx:-bad'],
    [`nginx:${'t'.repeat(129)}`],
    ['nginx@sha256:abc'],
    ['nginx@'],
    ['a//b'],
    ['/nginx'],
    ['nginx/'],
    ['-bad.example.com/x'],
    ['web_/x'],
    ['a--/b'],
    [`${'a'.repeat(256)}`],
    ['${IMAGE}'],
    ['registry.example.com:port/x'],
  ])('refuses %j', (ref) => {
    expect(parseImageReference(ref)).toBeUndefined();
  });

  it('refuses non-strings without throwing', () => {
    expect(parseImageReference(42 as unknown as string)).toBeUndefined();
  });

  it('normaliseRepository drops tag and digest', () => {
    expect(normaliseRepository('REGISTRY.cn-shanghai.aliyuncs.com/pongsky/halo:prod-1.4.6')).toBe('registry.cn-shanghai.aliyuncs.com/pongsky/halo');
    expect(normaliseRepository('busybox')).toBe('docker.io/library/busybox');
    expect(normaliseRepository('BAD')).toBeUndefined();
  });
});
