import { AppError } from '../common/app-error';
import { AuthUser } from '../common/decorators/current-user.decorator';
import { Errors } from '../common/error-codes';
import { loadDockerConfig } from '../config/docker.config';
import type { Script } from '../scripts/entities/script.entity';
import type { ScriptsService } from '../scripts/scripts.service';
import type { DeploymentIntake } from './deployment-intake';
import type { DeploymentWaits } from './deployment-waits';
import type { Deployment, DeploymentStatus } from './entities/deployment.entity';
import { ManualDeploymentsService } from './manual-deployments.service';

const user = { id: 7, role: 'USER' } as AuthUser;
const script = {
  id: 3,
  userId: 7,
  serviceName: 'halo',
  images: [
    { service: 'halo', image: 'halohub/halo:1', repository: 'docker.io/halohub/halo' },
    { service: 'db', image: 'mysql:8', repository: 'docker.io/library/mysql' },
  ],
} as Script;
const deployment = (status: DeploymentStatus, extra: Partial<Deployment> = {}) =>
  ({ id: 11, scriptId: 3, serviceName: 'halo', action: 'update', trigger: 'manual', status, output: 'halo_halo\nverify: Service halo_halo converged', lineCount: 2, ...extra }) as Deployment;

function setup(finished: Deployment = deployment('succeeded')) {
  const scripts = {
    findOwned: jest.fn(async (caller: AuthUser, id: number) => {
      if (id !== script.id || caller.id !== script.userId) throw new AppError(Errors.SCRIPT_NOT_FOUND);
      return script;
    }),
  };
  const intake = { request: jest.fn(async () => deployment('queued')) };
  const waits = { wait: jest.fn(async () => finished) };
  const manual = new ManualDeploymentsService(scripts as unknown as ScriptsService, intake as unknown as DeploymentIntake, waits as unknown as DeploymentWaits, loadDockerConfig({}));
  return { manual, intake, waits };
}

describe('ManualDeploymentsService', () => {
  it('queues an update of the services it selected, waits, and answers the output lines', async () => {
    const { manual, intake, waits } = setup();
    await expect(manual.update(user, 3, { repository: 'halohub/halo', tag: '2' }, true)).resolves.toEqual({
      status: 200,
      data: ['halo_halo', 'verify: Service halo_halo converged'],
    });
    expect(intake.request).toHaveBeenCalledWith({ script, userId: 7, trigger: 'manual', action: 'update', repository: 'halohub/halo', tag: '2', services: ['halo'] });
    expect(waits.wait).toHaveBeenCalledWith(11, (600 + 60) * 1000);
  });

  it('rolls the service named, and refuses one the compose file lacks before queueing anything', async () => {
    const { manual, intake } = setup();
    await manual.update(user, 3, { repository: 'halohub/halo', tag: '2', service: 'db' }, true);
    expect(intake.request).toHaveBeenLastCalledWith(expect.objectContaining({ services: ['db'] }));
    await expect(manual.update(user, 3, { repository: 'halohub/halo', tag: '2', service: 'nope' }, true)).rejects.toMatchObject({
      error: { code: Errors.UNKNOWN_COMPOSE_SERVICE.code },
    });
    expect(intake.request).toHaveBeenCalledTimes(1);
  });

  it('answers 202 with the queued deployment without waiting, or once the wait ends first', async () => {
    const { manual, waits } = setup(deployment('running'));
    await expect(manual.create(user, 3, false)).resolves.toMatchObject({ status: 202, data: { id: 11, status: 'queued' } });
    expect(waits.wait).not.toHaveBeenCalled();
    await expect(manual.create(user, 3, true)).resolves.toMatchObject({ status: 202, data: { id: 11, status: 'running' } });
  });

  it('answers a stack operation with its output as one string, and a failure with its error and the output', async () => {
    await expect(setup(deployment('succeeded', { action: 'remove', output: 'a\nb' })).manual.remove(user, 3, true)).resolves.toEqual({ status: 200, data: 'a\nb' });
    const failed = deployment('failed', { action: 'create', output: 'a\nb', error: 'docker is down', errorCode: Errors.DOCKER_UNAVAILABLE.code });
    await expect(setup(failed).manual.create(user, 3, true)).rejects.toMatchObject({ error: { code: Errors.DOCKER_UNAVAILABLE.code }, data: 'a\nb' });
  });

  it("answers 404 to another user's script and queues nothing", async () => {
    const { manual, intake } = setup();
    await expect(manual.adopt({ id: 8, role: 'ADMIN' } as AuthUser, 3, true)).rejects.toMatchObject({ error: { code: Errors.SCRIPT_NOT_FOUND.code } });
    expect(intake.request).not.toHaveBeenCalled();
  });
});
