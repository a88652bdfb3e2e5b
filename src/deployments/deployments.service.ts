import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { FindOptionsSelect, FindOptionsWhere, In, Repository } from 'typeorm';
import { AppError } from '../common/app-error';
import { Page, PageQueryDto } from '../common/dto/page.dto';
import { Errors } from '../common/error-codes';
import { EntityRows } from '../database/entity-rows';
import { Deployment, DeploymentStatus } from './entities/deployment.entity';

/** Every column but the output (up to 2,000 lines), for lists. */
const WITHOUT_OUTPUT: FindOptionsSelect<Deployment> = {
  id: true, scriptId: true, userId: true, serviceName: true, action: true, trigger: true, image: true, tag: true, digest: true,
  previousImage: true, source: true, services: true, status: true, lineCount: true, error: true, errorCode: true,
  createdAt: true, startedAt: true, finishedAt: true,
};

/**
 * Answers about recorded deployments. They enter the queue through DeploymentIntake, run in
 * DeploymentRunner, and are waited for with DeploymentWaits or followed with DeploymentStreams.
 */
@Injectable()
export class DeploymentsService {
  /** Rows without output, read with fixed SQL: every script page and detail shows each one's last. */
  private readonly listed = new EntityRows(this.repo.manager.connection, Deployment, Object.keys(WITHOUT_OUTPUT) as (keyof Deployment & string)[]);

  constructor(@InjectRepository(Deployment) private readonly repo: Repository<Deployment>) {}

  async get(id: number): Promise<Deployment> {
    const d = await this.repo.findOneBy({ id });
    if (!d) throw new AppError(Errors.DEPLOYMENT_NOT_FOUND);
    return d;
  }

  /** Another user's deployment is "not found". */
  async getOwned(userId: number, id: number): Promise<Deployment> {
    const d = await this.repo.findOneBy({ id, userId });
    if (!d) throw new AppError(Errors.DEPLOYMENT_NOT_FOUND);
    return d;
  }

  /** Whether a deployment of the stack is queued or running. */
  busy(stack: string): Promise<boolean> {
    return this.repo.existsBy({ serviceName: stack, status: In(['queued', 'running']) });
  }

  /** A script's deployments, newest first, without their output. */
  listForScript(scriptId: number, query: PageQueryDto): Promise<Page<Deployment>> {
    return this.page({ scriptId }, query);
  }

  /**
   * A user's deployments across their scripts, deleted ones included, newest first, without their
   * output. Owned as getOwned decides: by the deployment's userId.
   */
  listForUser(userId: number, query: PageQueryDto & { scriptId?: number; status?: DeploymentStatus }): Promise<Page<Deployment>> {
    const where: FindOptionsWhere<Deployment> = { userId };
    if (query.scriptId !== undefined) where.scriptId = query.scriptId;
    if (query.status !== undefined) where.status = query.status;
    return this.page(where, query);
  }

  /**
   * The newest deployment of each of these scripts that is the user's (a script's deployments are
   * its owner's), without output, in one query whatever the number of scripts.
   */
  async lastOf(userId: number, scriptIds: number[]): Promise<Map<number, Deployment>> {
    if (!scriptIds.length) return new Map();
    const rows = await this.listed.query(
      // MAX(id) per script_id reads only idx_deployments_script_id.
      `SELECT ${this.listed.selectList('d')} FROM deployments d WHERE d.id IN ` +
        `(SELECT MAX(n.id) FROM deployments n WHERE n.script_id IN (${scriptIds.map(() => '?').join(', ')}) GROUP BY n.script_id) AND d.user_id = ?`,
      [...scriptIds, userId],
    );
    return new Map(rows.map((d) => [d.scriptId!, d]));
  }

  /**
   * The tag a stack's `repository` runs after its deployments: the tag of the last successful update
   * to it, unless the stack was deployed again from its compose file since (then undefined: the
   * compose file's tag runs).
   */
  async lastRolledTag(scriptId: number, repository: string): Promise<string | undefined> {
    const last = await this.repo.findOne({
      select: { id: true, action: true, tag: true },
      where: [
        { scriptId, status: 'succeeded', action: 'update', image: repository },
        { scriptId, status: 'succeeded', action: 'create' },
      ],
      order: { id: 'DESC' },
    });
    return last?.action === 'update' ? (last.tag ?? undefined) : undefined;
  }

  private async page(where: FindOptionsWhere<Deployment>, query: PageQueryDto): Promise<Page<Deployment>> {
    const [rows, total] = await this.repo.findAndCount({
      select: WITHOUT_OUTPUT,
      where,
      order: { id: 'DESC' },
      skip: (query.pageNumber - 1) * query.pageSize,
      take: query.pageSize,
    });
    return Page.of(rows, total, query);
  }
}
