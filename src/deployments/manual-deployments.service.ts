import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { AuthUser } from '../common/decorators/current-user.decorator';
import { dockerConfig } from '../config/docker.config';
import { Script } from '../scripts/entities/script.entity';
import { ScriptsService } from '../scripts/scripts.service';
import { deploymentError } from './deployment-error';
import { DeploymentIntake, StackRequest, UpdateRequest } from './deployment-intake';
import { DeploymentWaits } from './deployment-waits';
import { DeploymentDto, UpdateServiceDto } from './dto/deployment.dto';
import { isFinished } from './entities/deployment.entity';
import { storedLines } from './live-output';
import { selectTargets } from './target-selection';

/** A route's answer: the formatted output (200), or the still unfinished deployment (202). */
export type ManualAnswer<T> = { status: 200; data: T } | { status: 202; data: DeploymentDto };

/** What a route asks of the script's stack. */
type Operation = Pick<StackRequest, 'action'> | Omit<UpdateRequest, 'script' | 'userId' | 'trigger'>;

const joinLines = (lines: string[]) => lines.join('\n');

/** The createService / removeService / updateService / adopt routes: owner check, request, wait, answer. */
@Injectable()
export class ManualDeploymentsService {
  constructor(
    private readonly scripts: ScriptsService,
    private readonly intake: DeploymentIntake,
    private readonly waits: DeploymentWaits,
    @Inject(dockerConfig.KEY) private readonly config: ConfigType<typeof dockerConfig>,
  ) {}

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

  /** removeService for a script the caller already holds (its deletion), always waited for. */
  removeStack(user: AuthUser, script: Script): Promise<ManualAnswer<string>> {
    return this.operate(user, script, true, { action: 'remove' }, joinLines);
  }

  private async run<T>(user: AuthUser, scriptId: number, wait: boolean, operation: (script: Script) => Operation, format: (lines: string[]) => T) {
    const script = await this.scripts.findOwned(user, scriptId);
    return this.operate(user, script, wait, operation(script), format);
  }

  private async operate<T>(user: AuthUser, script: Script, wait: boolean, operation: Operation, format: (lines: string[]) => T): Promise<ManualAnswer<T>> {
    const queued = await this.intake.request({ script, userId: user.id, trigger: 'manual', ...operation });
    if (!wait) return { status: 202, data: DeploymentDto.from(queued) };
    // Past the wait, answer 202 and let it run.
    const d = await this.waits.wait(queued.id, this.waitMs());
    if (!isFinished(d.status)) return { status: 202, data: DeploymentDto.from(d) };
    const data = format(storedLines(d.output));
    const error = deploymentError(d, data);
    if (error) throw error;
    return { status: 200, data };
  }

  /** Long enough for the operation itself plus a short queue; past that, the caller answers without it. */
  private waitMs(): number {
    return (this.config.deployTimeoutSeconds + 60) * 1000;
  }
}
