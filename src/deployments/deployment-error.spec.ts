import { Errors } from '../common/error-codes';
import { deploymentError } from './deployment-error';
import type { Deployment, DeploymentStatus } from './entities/deployment.entity';

const d = (status: DeploymentStatus, over: Partial<Deployment> = {}) => ({ id: 1, status, error: null, errorCode: null, ...over }) as Deployment;

describe('deploymentError', () => {
  it('is null for a success and for a deployment still queued or running', () => {
    for (const status of ['succeeded', 'queued', 'running'] as const) expect(deploymentError(d(status), [])).toBeNull();
  });

  it('answers with the recorded code, the recorded error as detail and the given data', () => {
    const err = deploymentError(d('failed', { error: 'docker is down', errorCode: Errors.DOCKER_UNAVAILABLE.code }), ['line']);
    expect(err).toMatchObject({ error: Errors.DOCKER_UNAVAILABLE, detail: { en: 'docker is down' }, data: ['line'] });
  });

  it('falls back to the code of the status when none was recorded', () => {
    expect(deploymentError(d('rolled_back'), null)?.error).toBe(Errors.DEPLOYMENT_ROLLED_BACK);
    expect(deploymentError(d('superseded'), null)?.error).toBe(Errors.DEPLOYMENT_SUPERSEDED);
    expect(deploymentError(d('interrupted'), null)?.error).toBe(Errors.DEPLOYMENT_INTERRUPTED);
    expect(deploymentError(d('failed', { errorCode: 99999 }), null)?.error).toBe(Errors.DEPLOYMENT_FAILED);
  });
});
