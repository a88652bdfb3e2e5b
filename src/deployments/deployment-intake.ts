import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, Repository } from 'typeorm';
import { AppError } from '../common/app-error';
import { Errors } from '../common/error-codes';
import type { Script } from '../scripts/entities/script.entity';
import { swarmServiceName } from '../scripts/stack-layout';
import { isStackName } from '../swarm/docker-names';
import { isDigest, isRepository, isTag } from '../swarm/image-reference';
import { DeploymentEvents, DeploymentsSuperseded } from './deployment-events';
import { DeploymentNotices } from './deployment-notices';
import { DeploymentRunner } from './deployment-runner';
import { Deployment, DeploymentAction, DeploymentTrigger } from './entities/deployment.entity';
import { StackLocks } from './stack-locks';

interface RequestBase {
  script: Script;
  /** Who the deployment acts for: the script's owner (also for webhooks). */
  userId: number;
  trigger: DeploymentTrigger;
}

/** A create, remove or adopt: the whole stack. */
export interface StackRequest extends RequestBase {
  action: Exclude<DeploymentAction, 'update'>;
}

/** Rolls some of the stack's services to an image. */
export interface UpdateRequest extends RequestBase {
  action: 'update';
  /** The repository to roll to, without tag (e.g. `halohub/halo`). */
  repository: string;
  tag: string;
  /** Optional: pins the image (`repo:tag@digest`) and tells repeated pushes apart. */
  digest?: string | null;
  /** The compose service keys to roll, as the caller chose them: selectTargets (manual), matchServices (webhooks). */
  services: string[];
  /** webhook only: the registry whose push this is (aliyun, dockerhub, harbor, distribution). */
  source?: string;
}

export type DeploymentRequest = StackRequest | UpdateRequest;

/**
 * Where a deployment enters the queue: checks the request, records it queued and wakes the runner;
 * returns at once. A webhook update equal to one already queued or running is that one; a newer
 * one supersedes the older queued ones of the same services (and emits DeploymentsSuperseded).
 */
@Injectable()
export class DeploymentIntake {
  constructor(
    @InjectRepository(Deployment) private readonly repo: Repository<Deployment>,
    private readonly runner: DeploymentRunner,
    private readonly locks: StackLocks,
    private readonly notices: DeploymentNotices,
    private readonly events: DeploymentEvents,
  ) {}

  /** Invalid input is a 400 and records nothing. */
  async request(req: DeploymentRequest): Promise<Deployment> {
    const stack = req.script.serviceName;
    if (!isStackName(stack)) throw new AppError(Errors.BAD_REQUEST, { zh: `无效的栈名 ${stack}`, en: `invalid stack name ${stack}` });
    const targets = req.action === 'update' ? targetsOf(stack, req) : null;
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
        source: req.action === 'update' ? (req.source ?? null) : null,
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

  /**
   * Marks older queued webhook updates of the same targets superseded (with their notifications, in
   * one transaction). Runs in the stack's exclusive section, so the rows read are the rows changed.
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
}

/** The swarm services an update rolls. Its image reference is checked again here: it goes into docker's argv. */
function targetsOf(stack: string, req: UpdateRequest): string[] {
  const { repository, tag, digest } = req;
  if (!isRepository(repository) || !isTag(tag) || (digest && !isDigest(digest))) {
    throw new AppError(Errors.INVALID_IMAGE_REFERENCE, {
      zh: `${String(repository)}:${String(tag)}`.slice(0, 200),
      en: `${String(repository)}:${String(tag)}`.slice(0, 200),
    });
  }
  if (!req.services.length) throw new AppError(Errors.NO_TARGET_SERVICE, { zh: repository, en: repository });
  return req.services.map((key) => swarmServiceName(stack, key)).sort();
}
