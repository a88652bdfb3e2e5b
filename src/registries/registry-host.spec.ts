import { equivalentHosts, normaliseRegistryHost } from './registry-host';

describe('normaliseRegistryHost', () => {
  it.each([
    ['registry.cn-hangzhou.aliyuncs.com', 'registry.cn-hangzhou.aliyuncs.com'],
    ['  Registry.CN-Hangzhou.aliyuncs.com ', 'registry.cn-hangzhou.aliyuncs.com'],
    ['https://index.docker.io/v1/', 'docker.io'],
    ['registry-1.docker.io', 'docker.io'],
    ['https://ghcr.io', 'ghcr.io'],
    ['127.0.0.1:5000', '127.0.0.1:5000'],
    ['http://127.0.0.1:5000/v2/', '127.0.0.1:5000'],
    ['localhost:5000', 'localhost:5000'],
    ['[::1]:5000', '[::1]:5000'],
  ])('%s -> %s', (input, host) => expect(normaliseRegistryHost(input)).toBe(host));

  it.each(['', 'a b', 'host/path', '-x', 'ftp://h', 'host:port', 'h:123456', '--help', 'a..b', 'x'.repeat(254), 'h\nx'])('refuses %p', (input) =>
    expect(normaliseRegistryHost(input)).toBeNull(),
  );
});

describe('equivalentHosts', () => {
  it('ACR personal edition: public, VPC and classic-network endpoints share a login', () => {
    expect(equivalentHosts('registry-vpc.cn-shanghai.aliyuncs.com')).toEqual([
      'registry-vpc.cn-shanghai.aliyuncs.com',
      'registry.cn-shanghai.aliyuncs.com',
      'registry-internal.cn-shanghai.aliyuncs.com',
    ]);
  });

  it('ACR enterprise edition: the instance public and VPC endpoints share a login', () => {
    expect(equivalentHosts('acme-registry-vpc.cn-hangzhou.cr.aliyuncs.com')).toEqual([
      'acme-registry-vpc.cn-hangzhou.cr.aliyuncs.com',
      'acme-registry.cn-hangzhou.cr.aliyuncs.com',
    ]);
    expect(equivalentHosts('my-corp-registry.cn-hangzhou.cr.aliyuncs.com')).toEqual([
      'my-corp-registry.cn-hangzhou.cr.aliyuncs.com',
      'my-corp-registry-vpc.cn-hangzhou.cr.aliyuncs.com',
    ]);
  });

  it('any other host stands alone', () => {
    expect(equivalentHosts('ghcr.io')).toEqual(['ghcr.io']);
    expect(equivalentHosts('registry.example.com')).toEqual(['registry.example.com']);
  });
});
