import { AppError } from '../../common/app-error';
import { AuthUser } from '../../common/decorators/current-user.decorator';
import { Errors } from '../../common/error-codes';
import { loadDockerConfig } from '../../config/docker.config';
import type { DeploymentIntake } from '../../deployments/deployment-intake';
import type { DeploymentWaits } from '../../deployments/deployment-waits';
import type { DeploymentsService } from '../../deployments/deployments.service';
import type { Deployment, DeploymentStatus } from '../../deployments/entities/deployment.entity';
import { ManualDeploymentsService } from '../../deployments/manual-deployments.service';
import type { StackSecretStore } from '../../tenancy/stack-secret-store';
import type { Script } from '../entities/script.entity';
import type { ScriptsService } from '../scripts.service';
import { ScriptDeletion } from './script-deletion.service';

const user = { id: 7, role: 'USER' } as AuthUser;
const script = { id: 3, userId: 7, serviceName: 'halo' } as Script;
const deployment = (status: DeploymentStatus, extra: Partial<Deployment> = {}) =>
  ({ id: 11, scriptId: 3, serviceName: 'halo', action: 'remove', trigger: 'manual', status, output: 'Removing service halo_halo', lineCount: 1, error: null, errorCode: null, ...extra }) as Deployment;

/** DELETE of a script over fakes: whether the stack must go, and what the remove deployment ends as. */
function setup(opts: { mustRemove: boolean | Error; busy?: boolean; finished?: Deployment }) {
  const scripts = {
    findOwned: jest.fn(async (caller: AuthUser, id: number) => {
      if (id !== script.id || caller.id !== script.userId) throw new AppError(Errors.SCRIPT_NOT_FOUND);
      return script;
    }),
    mustRemoveStack: jest.fn(async () => {
      if (opts.mustRemove instanceof Error) throw opts.mustRemove;
      return opts.mustRemove;
    }),
    delete: jest.fn(async () => undefined),
  };
  const intake = { request: jest.fn(async () => deployment('queued')) };
  const waits = { wait: jest.fn(async () => opts.finished ?? deployment('succeeded')) };
  const history = { busy: jest.fn(async () => opts.busy ?? false) };
  const secrets = { prune: jest.fn(async () => undefined) };
  const manual = new ManualDeploymentsService(
    scripts as unknown as ScriptsService,
    intake as unknown as DeploymentIntake,
    waits as unknown as DeploymentWaits,
    loadDockerConfig({}),
  );
  const deletion = new ScriptDeletion(scripts as unknown as ScriptsService, history as unknown as DeploymentsService, manual, secrets as unknown as StackSecretStore);
  return { deletion, scripts, intake, waits, history, secrets };
}

describe('ScriptDeletion', () => {
  it('deletes a script whose stack is not deployed without recording a deployment', async () => {
    const { deletion, scripts, intake, secrets } = setup({ mustRemove: false });
    await deletion.delete(user, 3, false);
    expect(scripts.mustRemoveStack).toHaveBeenCalledWith(script, false, false);
    expect(intake.request).not.toHaveBeenCalled();
    expect(scripts.delete).toHaveBeenCalledWith(user, script);
    expect(secrets.prune).toHaveBeenCalledWith(script);
  });

  it('tells the rule that the stack is busy when a deployment of it is queued or running', async () => {
    const { deletion, scripts, history } = setup({ mustRemove: true, busy: true });
    await deletion.delete(user, 3, true);
    expect(history.busy).toHaveBeenCalledWith('halo');
    expect(scripts.mustRemoveStack).toHaveBeenCalledWith(script, true, true);
  });

  it('removes a deployed stack through a manual remove deployment, then deletes the script', async () => {
    const { deletion, scripts, intake, waits } = setup({ mustRemove: true });
    await deletion.delete(user, 3, true);
    expect(intake.request).toHaveBeenCalledWith({ script, userId: 7, action: 'remove', trigger: 'manual' });
    expect(waits.wait).toHaveBeenCalledWith(11, (600 + 60) * 1000);
    expect(scripts.delete).toHaveBeenCalledWith(user, script);
  });

  it('deletes nothing and answers with the error when the removal failed', async () => {
    const failed = deployment('failed', { error: 'Error: network in use', errorCode: 50010 });
    const { deletion, scripts } = setup({ mustRemove: true, finished: failed });
    const err = await deletion.delete(user, 3, true).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ error: { code: 50010 }, data: 'Removing service halo_halo' });
    expect((err as AppError).message).toContain('network in use');
    expect(scripts.delete).not.toHaveBeenCalled();
  });

  it('deletes nothing and answers 503 with the deployment while the removal is still unfinished', async () => {
    const { deletion, scripts } = setup({ mustRemove: true, finished: deployment('running') });
    const err = await deletion.delete(user, 3, true).catch((e: unknown) => e);
    expect(err).toMatchObject({ error: { code: 50300, status: 503 }, data: { id: 11, status: 'running', action: 'remove' } });
    expect(err).not.toHaveProperty('data.output');
    expect((err as AppError).message).toContain('the removal of stack halo (deployment 11) is still running; the script was not deleted');
    expect(scripts.delete).not.toHaveBeenCalled();
  });

  it('passes on the rule’s refusal (409 / 503) and removes nothing', async () => {
    const refusal = new Error('refused');
    const { deletion, scripts, intake } = setup({ mustRemove: refusal });
    await expect(deletion.delete(user, 3, false)).rejects.toBe(refusal);
    expect(intake.request).not.toHaveBeenCalled();
    expect(scripts.delete).not.toHaveBeenCalled();
  });

  it("answers 404 to another user's script", async () => {
    const { deletion, scripts } = setup({ mustRemove: true });
    await expect(deletion.delete({ id: 8, role: 'USER' } as AuthUser, 3, true)).rejects.toMatchObject({ error: { code: 40410 } });
    expect(scripts.mustRemoveStack).not.toHaveBeenCalled();
  });
});
