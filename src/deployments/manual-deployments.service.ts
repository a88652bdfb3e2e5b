import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { AppError } from '../common/app-error';
import { AuthUser } from '../common/decorators/current-user.decorator';
import { Errors } from '../common/error-codes';
import { dockerConfig } from '../config/docker.config';
import { Script } from '../scripts/entities/script.entity';
import { ScriptsService } from '../scripts/scripts.service';
import { StackSecretStore } from '../tenancy/stack-secret-store';
import { DeploymentIntake, StackRequest, UpdateRequest } from './deployment-intake';
import { deploymentError } from './deployment-error';
import { DeploymentWaits } from './deployment-waits';
import { DeploymentDto, UpdateServiceDto } from './dto/deployment.dto';
import { Deployment, isFinished } from './entities/deployment.entity';
import { storedLines } from './live-output';
import { selectTargets } from './target-selection';

/** A route's answer: the formatted output (200), or the still unfinished deployment (202). */
export type ManualAnswer<T> = { status: 200; data: T } | { status: 202; data: DeploymentDto };

/** What a route asks of the script's stack. */
type Operation = Pick<StackRequest, 'action'> | Omit<UpdateRequest, 'script' | 'userId' | 'trigger'>;

const joinLines = (lines: string[]) => lines.join('\n');

/**
 * The createService / removeService / updateService routes: owner check, request, wait, answer. And
 * the deletion of a script, whose stack comes off the swarm through the same queue.
 */
@Injectable()
export class ManualDeploymentsService {
  private readonly logger = new Logger(ManualDeploymentsService.name);

  constructor(
    private readonly intake: DeploymentIntake,
    private readonly waits: DeploymentWaits,
    private readonly scriptsService: ScriptsService,
    @InjectRepository(Script) private readonly scripts: Repository<Script>,
    @InjectRepository(Deployment) private readonly history: Repository<Deployment>,
    @Inject(dockerConfig.KEY) private readonly config: ConfigType<typeof dockerConfig>,
    private readonly secrets: StackSecretStore,
  ) {}

  /** Another user's script is "not found", never "forbidden". */
  async ownedScript(user: AuthUser, scriptId: number): Promise<Script> {
    const script = await this.scripts.findOneBy({ id: scriptId, userId: user.id });
    if (!script) throw new AppError(Errors.SCRIPT_NOT_FOUND);
    return script;
  }

  create(user: AuthUser, scriptId: number, wait: boolean) {
    return this.run(user, scriptId, wait, () => ({ action: 'create' }), joinLines);
  }

  remove(user: AuthUser, scriptId: number, wait: boolean) {
    return this.run(user, scriptId, wait, () => ({ action: 'remove' }), joinLines);
  }

  /** ADMIN only (the route checks): labels a stack deployed some other way as this script's. */
  adopt(user: AuthUser, scriptId: number, wait: boolean) {
    return this.run(user, scriptId, wait, () => ({ action: 'adopt' }), joinLines);
  }

  update(user: AuthUser, scriptId: number, dto: UpdateServiceDto, wait: boolean) {
    const services = (script: Script) =>
      selectTargets({ stack: script.serviceName, images: script.images ?? [], repository: dto.repository, services: dto.service ? [dto.service] : undefined });
    return this.run(user, scriptId, wait, (script) => ({ action: 'update', repository: dto.repository, tag: dto.tag, services: services(script) }), (lines) => lines);
  }

  /**
   * DELETE of a script. A stack that is deployed, or has a deployment queued or running, is refused
   * (409) unless `removeService`; then a recorded `remove` deployment takes it off the swarm, queued
   * after that stack's earlier operations, and the script is deleted only once it has succeeded.
   * A failed removal answers with its error and deletes nothing; one still unfinished when the wait
   * ends answers 503 with the deployment in data, and deletes nothing either.
   */
  async deleteScript(user: AuthUser, scriptId: number, removeService: boolean): Promise<void> {
    const script = await this.ownedScript(user, scriptId);
    const busy = await this.history.existsBy({ serviceName: script.serviceName, status: In(['queued', 'running']) });
    if (await this.scriptsService.mustRemoveStack(script, removeService, busy)) {
      const queued = await this.intake.request({ script, userId: user.id, action: 'remove', trigger: 'manual' });
      const d = await this.waits.wait(queued.id, this.waitMs());
      if (!isFinished(d.status)) {
        throw new AppError(
          Errors.SERVICE_UNAVAILABLE,
          {
            zh: `移除栈 ${script.serviceName} 的部署 ${d.id} 尚未完成（${d.status}），未删除脚本`,
            en: `the removal of stack ${script.serviceName} (deployment ${d.id}) is still ${d.status}; the script was not deleted`,
          },
          DeploymentDto.from(d),
        );
      }
      const error = deploymentError(d, storedLines(d.output).join('\n'));
      if (error) throw error;
    }
    await this.scriptsService.delete(user, script);
    // Its stack secrets go with it (one still in use by a stack left running stays until removed by hand).
    await this.secrets.prune(script).catch((err: Error) => this.logger.warn(`stack secrets of ${script.serviceName}: ${err.message}`));
  }

  /** Long enough for the operation itself plus a short queue; past that, the caller answers without it. */
  private waitMs(): number {
    return (this.config.deployTimeoutSeconds + 60) * 1000;
  }

  private async run<T>(
    user: AuthUser,
    scriptId: number,
    wait: boolean,
    operation: (script: Script) => Operation,
    format: (lines: string[]) => T,
  ): Promise<ManualAnswer<T>> {
    const script = await this.ownedScript(user, scriptId);
    const queued = await this.intake.request({ script, userId: user.id, trigger: 'manual', ...operation(script) });
    if (!wait) return { status: 202, data: DeploymentDto.from(queued) };
    // Past the wait, answer 202 and let it run.
    const d: Deployment = await this.waits.wait(queued.id, this.waitMs());
    if (!isFinished(d.status)) return { status: 202, data: DeploymentDto.from(d) };
    const data = format(storedLines(d.output));
    const error = deploymentError(d, data);
    if (error) throw error;
    return { status: 200, data };
  }
}
