import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppError } from '../common/app-error';
import { AuthUser } from '../common/decorators/current-user.decorator';
import { Errors } from '../common/error-codes';
import { dockerConfig } from '../config/docker.config';
import { Script } from '../scripts/entities/script.entity';
import { DeploymentsService } from './deployments.service';
import { DeploymentDto, UpdateServiceDto } from './dto/deployment.dto';
import { Deployment, DeploymentAction, isFinished } from './entities/deployment.entity';

/** A route's answer: the formatted output (200), or the still unfinished deployment (202). */
export type ManualAnswer<T> = { status: 200; data: T } | { status: 202; data: DeploymentDto };

/** The createService / removeService / updateService routes: owner check, request, wait, answer. */
@Injectable()
export class ManualDeploymentsService {
  constructor(
    private readonly deployments: DeploymentsService,
    @InjectRepository(Script) private readonly scripts: Repository<Script>,
    @Inject(dockerConfig.KEY) private readonly config: ConfigType<typeof dockerConfig>,
  ) {}

  /** Another user's script is "not found", never "forbidden". */
  async ownedScript(user: AuthUser, scriptId: number): Promise<Script> {
    const script = await this.scripts.findOneBy({ id: scriptId, userId: user.id });
    if (!script) throw new AppError(Errors.SCRIPT_NOT_FOUND);
    return script;
  }

  create(user: AuthUser, scriptId: number, wait: boolean) {
    return this.run(user, scriptId, 'create', wait, undefined, (lines) => lines.join('\n'));
  }

  remove(user: AuthUser, scriptId: number, wait: boolean) {
    return this.run(user, scriptId, 'remove', wait, undefined, (lines) => lines.join('\n'));
  }

  update(user: AuthUser, scriptId: number, dto: UpdateServiceDto, wait: boolean) {
    return this.run(user, scriptId, 'update', wait, dto, (lines) => lines);
  }

  private async run<T>(
    user: AuthUser,
    scriptId: number,
    action: DeploymentAction,
    wait: boolean,
    dto: UpdateServiceDto | undefined,
    format: (lines: string[]) => T,
  ): Promise<ManualAnswer<T>> {
    const script = await this.ownedScript(user, scriptId);
    const queued = await this.deployments.request({
      script,
      userId: user.id,
      action,
      trigger: 'manual',
      repository: dto?.repository,
      tag: dto?.tag,
      services: dto?.service ? [dto.service] : undefined,
    });
    if (!wait) return { status: 202, data: DeploymentDto.from(queued) };
    // Long enough for the operation itself plus a short queue; past that, answer 202 and let it run.
    const d: Deployment = await this.deployments.wait(queued.id, (this.config.deployTimeoutSeconds + 60) * 1000);
    if (!isFinished(d.status)) return { status: 202, data: DeploymentDto.from(d) };
    const data = format(this.deployments.lines(d));
    const error = DeploymentsService.errorFor(d, data);
    if (error) throw error;
    return { status: 200, data };
  }
}
