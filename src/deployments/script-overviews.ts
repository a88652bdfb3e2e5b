import { Injectable } from '@nestjs/common';
import { AuthUser } from '../common/decorators/current-user.decorator';
import { Page } from '../common/dto/page.dto';
import { ScriptDto, ScriptQueryDto } from '../scripts/dto/script.dto';
import { ScriptsService } from '../scripts/scripts.service';
import { StackStates } from '../scripts/stack-states';
import { DeploymentsService } from './deployments.service';
import { DeploymentDto } from './dto/deployment.dto';
import { ScriptOverviewDto } from './dto/script-overview.dto';
import { Deployment } from './entities/deployment.entity';

const lastDto = (d: Deployment | undefined) => (d ? DeploymentDto.from(d) : null);

/** Scripts with their last deployment: the reads of ScriptsService plus the deployment history. */
@Injectable()
export class ScriptOverviews {
  constructor(
    private readonly scripts: ScriptsService,
    private readonly stackStates: StackStates,
    private readonly deployments: DeploymentsService,
  ) {}

  /**
   * A page of scripts; with `state`, each with its stack's live state and its last deployment, from
   * one docker read and one query for the whole page, run at the same time.
   */
  async list(user: AuthUser, query: ScriptQueryDto): Promise<Page<ScriptDto> | Page<ScriptOverviewDto>> {
    const page = await this.scripts.list(user, query);
    if (!query.state) return page;
    const [stacks, last] = await Promise.all([
      this.stackStates.forPage(page.content),
      this.deployments.lastOf(user.id, page.content.map((s) => s.id)),
    ]);
    return { ...page, content: page.content.map((s, i) => ({ ...s, ...stacks[i], lastDeployment: lastDto(last.get(s.id)) })) };
  }

  /** The script's detail and its last deployment. */
  async detail(user: AuthUser, id: number): Promise<ScriptOverviewDto> {
    const [detail, last] = await Promise.all([this.scripts.detail(user, id), this.deployments.lastOf(user.id, [id])]);
    return { ...detail, lastDeployment: lastDto(last.get(id)) };
  }
}
