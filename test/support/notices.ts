import type { DeploymentNotice } from '../../src/notifications/notice';

/** A failed webhook-triggered update of `halo`; override what a test is about. */
export function sampleNotice(overrides: Partial<DeploymentNotice> = {}): DeploymentNotice {
  return {
    event: 'failed',
    deploymentId: 42,
    stack: 'halo',
    action: 'update',
    services: ['halo_halo'],
    previousImage: 'registry.example.com/ns/halo:1.0@sha256:1111111111111111111111111111111111111111111111111111111111111111',
    image: 'registry.example.com/ns/halo:1.1',
    digest: 'sha256:2222222222222222222222222222222222222222222222222222222222222222',
    trigger: { kind: 'webhook', registry: 'aliyun', repository: 'ns/halo' },
    startedAt: '2024-05-01T10:00:00.000Z',
    finishedAt: '2024-05-01T10:01:12.000Z',
    durationMs: 72_000,
    url: 'https://deploy.example.com/deployments/42',
    error: 'task exited: exit code 1',
    errorCode: null,
    outputTail: ['starting halo', 'panic: cannot connect to db'],
    repeats: 0,
    recovered: false,
    ...overrides,
  };
}
