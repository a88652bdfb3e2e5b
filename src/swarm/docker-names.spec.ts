import {
  imageReference,
  InvalidDockerArgumentError,
  isRepository,
  isRegistryHost,
  isRepositoryPath,
  isStackName,
  isTag,
  normaliseRepository,
  sameRepository,
  splitImageReference,
} from './docker-names';

const HOSTILE = ['--help', '-d', '$(id)', '`id`', 'a b', 'a\nb', 'a;b', 'a|b', "a'b", 'a"b', '', 'x'.repeat(300), 'a\0b', '../etc', 'A\tb'];

describe('docker names', () => {
  it.each(HOSTILE)('refuses hostile value %j everywhere', (v) => {
    expect(isStackName(v)).toBe(false);
    expect(isTag(v)).toBe(false);
    expect(isRepository(v)).toBe(false);
    expect(isRepositoryPath(v)).toBe(false);
    expect(() => imageReference({ repository: v, tag: '1' })).toThrow(InvalidDockerArgumentError);
    expect(() => imageReference({ repository: 'halohub/halo', tag: v })).toThrow(InvalidDockerArgumentError);
    // An empty digest means "no digest"; anything else must be a digest.
    if (v !== '') expect(() => imageReference({ repository: 'halohub/halo', tag: '1', digest: v })).toThrow(InvalidDockerArgumentError);
  });

  it('accepts real repositories, without tag or digest', () => {
    for (const ok of ['halo', 'halohub/halo', 'registry.cn-shanghai.aliyuncs.com/pongsky/halo', '127.0.0.1:5000/acme/web', 'localhost/a__b/c-d.e', 'Registry.Example.com/x']) {
      expect(isRepository(ok)).toBe(true);
    }
    for (const bad of ['halohub/halo:1.4.7', 'halohub/halo@sha256:' + 'a'.repeat(64), 'HaloHub/halo', 'halo/', '/halo', 'a//b', 'a/-b', 'a/b-', 'host:5000']) {
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

  it('stack names: lowercase, start alphanumeric, at most 30', () => {
    expect(isStackName('halo')).toBe(true);
    expect(isStackName('a'.repeat(30))).toBe(true);
    expect(isStackName('a'.repeat(31))).toBe(false);
    expect(isStackName('Halo')).toBe(false);
    expect(isStackName('_halo')).toBe(false);
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
});
