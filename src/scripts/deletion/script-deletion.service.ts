import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '../../common/app-error';
import { AuthUser } from '../../common/decorators/current-user.decorator';
import { Errors } from '../../common/error-codes';
import { DeploymentsService } from '../../deployments/deployments.service';
import { ManualDeploymentsService } from '../../deployments/manual-deployments.service';
import { StackSecretStore } from '../../tenancy/stack-secret-store';
import { ScriptsService } from '../scripts.service';

/** The DELETE of a script, whose stack comes off the swarm through the deployment queue first. */
@Injectable()
export class ScriptDeletion {
  private readonly logger = new Logger(ScriptDeletion.name);

  constructor(
    private readonly scripts: ScriptsService,
    private readonly deployments: DeploymentsService,
    private readonly manual: ManualDeploymentsService,
    private readonly secrets: StackSecretStore,
  ) {}

  /**
   * A stack that is deployed, or has a deployment queued or running, is refused (409) unless
   * `removeService`; then a recorded `remove` deployment takes it off the swarm, queued after that
   * stack's earlier operations, and the script is deleted only once it has succeeded. A failed removal
   * answers with its error and deletes nothing; one still unfinished when the wait ends answers 503
   * with the deployment in data, and deletes nothing either.
   */
  async delete(user: AuthUser, scriptId: number, removeService: boolean): Promise<void> {
    const script = await this.scripts.findOwned(user, scriptId);
    const busy = await this.deployments.busy(script.serviceName);
    if (await this.scripts.mustRemoveStack(script, removeService, busy)) {
      const removal = await this.manual.removeStack(user, script);
      if (removal.status === 202) {
        const d = removal.data;
        throw new AppError(
          Errors.SERVICE_UNAVAILABLE,
          {
            zh: `移除栈 ${script.serviceName} 的部署 ${d.id} 尚未完成（${d.status}），未删除脚本`,
            en: `the removal of stack ${script.serviceName} (deployment ${d.id}) is still ${d.status}; the script was not deleted`,
          },
          d,
        );
      }
    }
    await this.scripts.delete(user, script);
    // Its stack secrets go with it (one still in use by a stack left running stays until removed by hand).
    await this.secrets.prune(script).catch((err: Error) => this.logger.warn(`stack secrets of ${script.serviceName}: ${err.message}`));
  }
}
