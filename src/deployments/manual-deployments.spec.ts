import { Repository } from 'typeorm';
import { AppError } from '../common/app-error';
import { AuthUser } from '../common/decorators/current-user.decorator';
import { loadDockerConfig } from '../config/docker.config';
import { Script } from '../scripts/entities/script.entity';
import { ScriptsService } from '../scripts/scripts.service';
import { StackSecretStore } from '../tenancy/stack-secret-store';
import { DeploymentIntake } from './deployment-intake';
import { DeploymentWaits } from './deployment-waits';
import { Deployment, DeploymentStatus } from './entities/deployment.entity';
import { ManualDeploymentsService } from './manual-deployments.service';

const user = { id: 7, role: 'USER' } as AuthUser;
const script = { id: 3, userId: 7, serviceName: 'halo' } as Script;
const deployment = (status: DeploymentStatus, extra: Partial<Deployment> = {}) =>
  ({ id: 11, scriptId: 3, serviceName: 'halo', action: 'remove', trigger: 'manual', status, output: 'Removing service halo_halo', lineCount: 1, error: null, errorCode: null, ...extra }) as Deployment;

/** DELETE of a script over fakes: whether the stack must go, and what the remove deployment ends as. */
function setup(opts: { mustRemove: boolean | Error; busy?: boolean; finished?: Deployment }) {
  const scripts = {
    mustRemoveStack: jest.fn(async () => {
      if (opts.mustRemove instanceof Error) throw opts.mustRemove;
      return opts.mustRemove;
    }),
    delete: jest.fn(async () => undefined),
  };
  const deployments = {
    request: jest.fn(async () => deployment('queued')),
    wait: jest.fn(async () => opts.finished ?? deployment('succeeded')),
  };
  const scriptRepo = { findOneBy: jest.fn(async (where: { id: number; userId: number }) => (where.id === script.id && where.userId === script.userId ? script : null)) };
  const history = { existsBy: jest.fn(async () => opts.busy ?? false) };
  const secrets = { prune: jest.fn(async () => undefined) };
  const manual = new ManualDeploymentsService(
    deployments as unknown as DeploymentIntake,
    deployments as unknown as DeploymentWaits,
    scripts as unknown as ScriptsService,
    scriptRepo as unknown as Repository<Script>,
    history as unknown as Repository<Deployment>,
    loadDockerConfig({}),
    secrets as unknown as StackSecretStore,
  );
  return { manual, scripts, deployments, history, secrets };
}

describe('ManualDeploymentsService.deleteScript', () => {
  it('deletes a script whose stack is not deployed without recording a deployment', async () => {
    const { manual, scripts, deployments, secrets } = setup({ mustRemove: false });
    await manual.deleteScript(user, 3, false);
    expect(scripts.mustRemoveStack).toHaveBeenCalledWith(script, false, false);
    expect(deployments.request).not.toHaveBeenCalled();
    expect(scripts.delete).toHaveBeenCalledWith(user, script);
    expect(secrets.prune).toHaveBeenCalledWith(script);
  });

  it('tells the rule that the stack is busy when a deployment of it is queued or running', async () => {
    const { manual, scripts, history } = setup({ mustRemove: true, busy: true });
    await manual.deleteScript(user, 3, true);
    expect(history.existsBy).toHaveBeenCalledWith(expect.objectContaining({ serviceName: 'halo' }));
    expect(scripts.mustRemoveStack).toHaveBeenCalledWith(script, true, true);
  });

  it('removes a deployed stack through a manual remove deployment, then deletes the script', async () => {
    const { manual, scripts, deployments } = setup({ mustRemove: true });
    await manual.deleteScript(user, 3, true);
    expect(deployments.request).toHaveBeenCalledWith({ script, userId: 7, action: 'remove', trigger: 'manual' });
    expect(deployments.wait).toHaveBeenCalledWith(11, (600 + 60) * 1000);
    expect(scripts.delete).toHaveBeenCalledWith(user, script);
  });

  it('deletes nothing and answers with the error when the removal failed', async () => {
    const failed = deployment('failed', { error: 'Error: network in use', errorCode: 50010 });
    const { manual, scripts } = setup({ mustRemove: true, finished: failed });
    const err = await manual.deleteScript(user, 3, true).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ error: { code: 50010 }, data: 'Removing service halo_halo' });
    expect((err as AppError).message).toContain('network in use');
    expect(scripts.delete).not.toHaveBeenCalled();
  });

  it('deletes nothing and answers 503 with the deployment while the removal is still unfinished', async () => {
    const { manual, scripts } = setup({ mustRemove: true, finished: deployment('running') });
    const err = await manual.deleteScript(user, 3, true).catch((e: unknown) => e);
    expect(err).toMatchObject({ error: { code: 50300, status: 503 }, data: { id: 11, status: 'running', action: 'remove' } });
    expect(scripts.delete).not.toHaveBeenCalled();
  });

  it('passes on the rule’s refusal (409 / 503) and removes nothing', async () => {
    const refusal = new Error('refused');
    const { manual, scripts, deployments } = setup({ mustRemove: refusal });
    await expect(manual.deleteScript(user, 3, false)).rejects.toBe(refusal);
    expect(deployments.request).not.toHaveBeenCalled();
    expect(scripts.delete).not.toHaveBeenCalled();
  });

  it("answers 404 to another user's script", async () => {
    const { manual, scripts } = setup({ mustRemove: true });
    await expect(manual.deleteScript({ id: 8, role: 'USER' } as AuthUser, 3, true)).rejects.toMatchObject({ error: { code: 40410 } });
    expect(scripts.mustRemoveStack).not.toHaveBeenCalled();
  });
});
