import { normaliseRepository, parseImageReference } from './image-reference';

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
