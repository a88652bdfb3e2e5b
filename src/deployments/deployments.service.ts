import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Observable } from 'rxjs';
import { FindOptionsSelect, FindOptionsWhere, In, IsNull, Repository } from 'typeorm';
import { AppError } from '../common/app-error';
import { Page, PageQueryDto } from '../common/dto/page.dto';
import { Errors } from '../common/error-codes';
import type { Script } from '../scripts/entities/script.entity';
import { swarmServiceName } from '../scripts/stack-layout';
import { isStackName } from '../swarm/docker-names';
import { isDigest, isRepository, isTag } from '../swarm/image-reference';
import { DeploymentEvents, DeploymentFinished, DeploymentsSuperseded, RunnerClosed } from './deployment-events';
import { DeploymentNotices } from './deployment-notices';
import { DeploymentRunner, POLL_MS } from './deployment-runner';
import { Deployment, DeploymentAction, DeploymentStatus, DeploymentTrigger, isFinished } from './entities/deployment.entity';
import { LiveEvent, storedLines } from './live-output';
import { StackLocks } from './stack-locks';
import { selectTargets } from './target-selection';

export interface DeploymentRequest {
  script: Script;
  /** Who the deployment acts for: the script's owner (also for webhooks). */
  userId: number;
  action: DeploymentAction;
  trigger: DeploymentTrigger;
  /** update only: the repository to roll to, without tag (e.g. `halohub/halo`). */
  repository?: string;
  /** update only: the tag to roll to. */
  tag?: string;
  /** update only, optional: pins the image (`repo:tag@digest`) and tells repeated pushes apart. */
  digest?: string | null;
  /** update only: compose service keys to roll; by default see selectTargets. */
  services?: string[];
  /** webhook only: the registry whose push this is (aliyun, dockerhub, harbor, distribution). */
  source?: string;
}

export type DeploymentEvent = LiveEvent;

/** Every column but the output (up to 2,000 lines), for lists. */
const WITHOUT_OUTPUT: FindOptionsSelect<Deployment> = {
  id: true, scriptId: true, userId: true, serviceName: true, action: true, trigger: true, image: true, tag: true, digest: true,
  previousImage: true, source: true, services: true, status: true, lineCount: true, error: true, errorCode: true,
  createdAt: true, startedAt: true, finishedAt: true,
};

/**
 * Records deployments and answers about them. The work itself happens in DeploymentRunner, which
 * takes queued rows from the database, so every method here returns without waiting for docker
 * (except `wait`, which is for that).
 */
@Injectable()
export class DeploymentsService {
  constructor(
    @InjectRepository(Deployment) private readonly repo: Repository<Deployment>,
    private readonly runner: DeploymentRunner,
    private readonly locks: StackLocks,
    private readonly notices: DeploymentNotices,
    private readonly events: DeploymentEvents,
  ) {}

  /**
   * Records a queued deployment and schedules it; returns at once. Invalid input is a 400 and records
   * nothing. A webhook update equal (stack, image, tag, digest) to a queued or running webhook update
   * returns that one instead; a new webhook update supersedes the older queued ones for the same services.
   */
  async request(req: DeploymentRequest): Promise<Deployment> {
    const stack = req.script.serviceName;
    if (!isStackName(stack)) throw new AppError(Errors.BAD_REQUEST, { zh: `无效的栈名 ${stack}`, en: `invalid stack name ${stack}` });
    let targets: string[] | null = null;
    if (req.action === 'update') {
      const { repository, tag, digest } = req;
      if (!isRepository(repository) || !isTag(tag) || (digest && !isDigest(digest))) {
        throw new AppError(Errors.INVALID_IMAGE_REFERENCE, {
          zh: `${String(repository)}:${String(tag)}`.slice(0, 200),
          en: `${String(repository)}:${String(tag)}`.slice(0, 200),
        });
      }
      const keys = selectTargets({
        stack,
        images: req.script.images ?? [],
        repository,
        services: req.services,
        fallbackToStackService: req.trigger === 'manual',
      });
      targets = keys.map((k) => swarmServiceName(stack, k)).sort();
    }
    if (req.action !== 'update' || req.trigger !== 'webhook') return this.record(this.repo, req, targets);
    // The check for an equal webhook update and the insert run alone per stack, in every instance
    // sharing the database: concurrent identical pushes must not all miss the check and queue twice.
    return this.locks.exclusive(stack, (manager) => this.record(manager.getRepository(Deployment), req, targets));
  }

  private async record(repo: Repository<Deployment>, req: DeploymentRequest, targets: string[] | null): Promise<Deployment> {
    const webhookUpdate = req.action === 'update' && req.trigger === 'webhook';
    if (webhookUpdate) {
      const same = await repo.findOne({
        where: {
          serviceName: req.script.serviceName,
          action: 'update',
          trigger: 'webhook',
          status: In(['queued', 'running']),
          image: req.repository,
          tag: req.tag,
          digest: req.digest || IsNull(),
        },
        order: { id: 'DESC' },
      });
      if (same) return same;
    }
    const deployment = await repo.save(
      repo.create({
        scriptId: req.script.id,
        userId: req.userId,
        serviceName: req.script.serviceName,
        action: req.action,
        trigger: req.trigger,
        image: req.action === 'update' ? req.repository : null,
        tag: req.action === 'update' ? req.tag : null,
        digest: req.action === 'update' ? req.digest || null : null,
        previousImage: null,
        source: req.source ?? null,
        services: targets,
        status: 'queued',
        output: null,
        lineCount: 0,
        error: null,
        errorCode: null,
        createdAt: new Date(),
        startedAt: null,
        finishedAt: null,
      }),
    );
    if (webhookUpdate) await this.supersedeOlder(repo, deployment);
    this.runner.kick();
    return deployment;
  }

  /** The finished deployment, or its current (queued/running) state once `timeoutMs` has passed. */
  async wait(id: number, timeoutMs: number): Promise<Deployment> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const d = await this.get(id);
      const left = deadline - Date.now();
      // Shutting down: a queued deployment will not start here; answer with its state now.
      if (isFinished(d.status) || left <= 0 || (this.runner.stopped && !this.runner.live(id))) return d;
      await this.finishedOrTimeout(id, Math.min(left, POLL_MS));
    }
  }

  /**
   * Output lines (numbered from 1, so a reconnecting client can skip what it has) as they arrive, then
   * the final status, then completion. A finished deployment replays its stored lines. Live from this
   * instance's memory when it runs the deployment here; otherwise read from the database every second.
   */
  subscribe(id: number, afterSeq = 0): Observable<DeploymentEvent> {
    return new Observable<DeploymentEvent>((sub) => {
      let seen = afterSeq;
      let closed = false;
      let stopListening = () => undefined as unknown;
      let timer: NodeJS.Timeout | undefined;
      const emitLine = (seq: number, line: string) => {
        if (seq <= seen) return;
        seen = seq;
        sub.next({ type: 'line', seq, line });
      };
      const step = async () => {
        if (closed) return;
        const live = this.runner.live(id);
        if (live) {
          const { lines, total } = live.snapshot();
          lines.forEach((line, i) => emitLine(total - lines.length + 1 + i, line));
          stopListening = live.listen((event) => {
            if (event.type === 'line') return emitLine(event.seq, event.line);
            sub.next(event);
            sub.complete();
          });
          return;
        }
        const d = await this.repo.findOneBy({ id });
        if (!d) return sub.error(new AppError(Errors.DEPLOYMENT_NOT_FOUND));
        const lines = storedLines(d.output);
        lines.forEach((line, i) => emitLine(d.lineCount - lines.length + 1 + i, line));
        if (isFinished(d.status)) {
          sub.next({ type: 'status', deployment: d });
          return sub.complete();
        }
        timer = setTimeout(() => step().catch((err) => sub.error(err)), POLL_MS);
      };
      // At shutdown, streams of deployments that will not finish here end without a status.
      const stopOnClose = this.events.on(RunnerClosed, () => sub.complete());
      step().catch((err) => sub.error(err));
      return () => {
        closed = true;
        stopListening();
        clearTimeout(timer);
        stopOnClose();
      };
    });
  }

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
    const rows = await this.repo
      .createQueryBuilder('d')
      .select(Object.keys(WITHOUT_OUTPUT).map((field) => `d.${field}`))
      // MAX(id) per script_id reads only idx_deployments_script_id.
      .where((qb) => `d.id IN ${qb.subQuery().select('MAX(n.id)').from(Deployment, 'n').where('n.script_id IN (:...scriptIds)').groupBy('n.script_id').getQuery()}`)
      .andWhere('d.user_id = :userId')
      .setParameters({ scriptIds, userId })
      .getMany();
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

  /** The stored output lines. */
  lines(d: Deployment): string[] {
    return storedLines(d.output);
  }

  /** The envelope error a finished, unsuccessful deployment answers with; null on success or while unfinished. */
  static errorFor(d: Deployment, data: unknown): AppError | null {
    if (d.status === 'succeeded' || !isFinished(d.status)) return null;
    const byCode = Object.values(Errors).find((e) => e.code === d.errorCode);
    const fallback =
      d.status === 'rolled_back' ? Errors.DEPLOYMENT_ROLLED_BACK
      : d.status === 'superseded' ? Errors.DEPLOYMENT_SUPERSEDED
      : d.status === 'interrupted' ? Errors.DEPLOYMENT_INTERRUPTED
      : Errors.DEPLOYMENT_FAILED;
    const detail = d.error ? { zh: d.error, en: d.error } : undefined;
    return new AppError(byCode ?? fallback, detail, data);
  }

  /**
   * Marks older queued webhook updates of the same targets superseded (with their notifications, in
   * one transaction); tells /metrics how many. Runs in the stack's exclusive section, so the rows read
   * are the rows changed.
   */
  private async supersedeOlder(repo: Repository<Deployment>, newer: Deployment): Promise<void> {
    const older = await repo
      .createQueryBuilder('d')
      .where('d.service_name = :stack AND d.action = :action AND d.trigger_source = :trigger AND d.status = :queued AND d.id < :id AND d.services = :services', {
        stack: newer.serviceName,
        action: 'update',
        trigger: 'webhook',
        queued: 'queued',
        id: newer.id,
        services: JSON.stringify(newer.services),
      })
      .getMany();
    if (!older.length) return;
    const superseded = {
      status: 'superseded' as const,
      finishedAt: new Date(),
      error: `superseded by deployment ${newer.id} (${newer.image}:${newer.tag})`,
      errorCode: Errors.DEPLOYMENT_SUPERSEDED.code,
    };
    const affected = await repo.manager.transaction(async (tx) => {
      const { affected } = await tx.update(Deployment, { id: In(older.map((d) => d.id)), status: 'queued' }, superseded);
      for (const d of older) await this.notices.record(tx, Object.assign(d, superseded));
      return affected ?? 0;
    });
    this.notices.flush();
    if (affected) this.events.emit(new DeploymentsSuperseded(affected));
  }

  private finishedOrTimeout(id: number, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const stopListening = this.events.on(DeploymentFinished, ({ deployment }) => deployment.id === id && done());
      const timer = setTimeout(() => done(), ms);
      const done = () => {
        clearTimeout(timer);
        stopListening();
        resolve();
      };
    });
  }
}
