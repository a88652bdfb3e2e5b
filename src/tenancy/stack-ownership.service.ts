import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { hostname } from 'node:os';
import { Repository } from 'typeorm';
import { AppError } from '../common/app-error';
import { Errors } from '../common/error-codes';
import { tenancyConfig } from '../config/tenancy.config';
import { classifyDockerFailure } from '../swarm/docker-failure';
import { judgeOwnership, Labels, OWNER_LABELS, Ownership, StackClaim, StackResources } from '../swarm/stack-ownership';
import { SwarmObjectsService } from '../swarm/swarm-objects.service';
import { SwarmService } from '../swarm/swarm.service';
import { Installation } from './entities/installation.entity';

/** The parts of a script ownership is about. */
export interface OwnedStack {
  serviceName: string;
  /** Undefined for a script not saved yet. */
  id?: number;
  userId: number;
}

/**
 * Who owns which stack on the swarm: this installation's id, the labels it puts on what it deploys,
 * the verdict for a script and its stack, and the stack names no USER may take.
 */
@Injectable()
export class StackOwnership implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(StackOwnership.name);
  private installationId = '';
  /** The stack this service itself runs in, when it runs as a swarm task. */
  private ownStack?: string;

  constructor(
    @InjectRepository(Installation) private readonly installation: Repository<Installation>,
    private readonly objects: SwarmObjectsService,
    private readonly swarm: SwarmService,
    @Inject(tenancyConfig.KEY) private readonly config: ConfigType<typeof tenancyConfig>,
  ) {}

  async onModuleInit(): Promise<void> {
    const row = await this.installation.findOneBy({ id: 1 });
    if (!row) throw new Error('the installation table has no row: run the migrations');
    this.installationId = row.installationId;
  }

  /** A swarm task's hostname is its container id by default; its labels name its stack. */
  async onApplicationBootstrap(): Promise<void> {
    try {
      this.ownStack = (await this.objects.containerStack(hostname())) || undefined;
      if (this.ownStack) this.logger.log(`running in stack ${this.ownStack}: USERs may not use that name`);
    } catch {
      // Not in a container, or docker cannot say: RESERVED_STACK_NAMES still applies.
    }
  }

  isReserved(stack: string): boolean {
    return stack === this.ownStack || this.config.reservedStackNames.includes(stack);
  }

  /** Labels for every service of the script's stack. */
  serviceLabels(script: Required<OwnedStack>): Labels {
    return { [OWNER_LABELS.installation]: this.installationId, [OWNER_LABELS.script]: String(script.id), [OWNER_LABELS.owner]: String(script.userId) };
  }

  /** Labels for the stack's volumes, which outlive the stack and the script. */
  volumeLabels(script: OwnedStack): Labels {
    return { [OWNER_LABELS.installation]: this.installationId, [OWNER_LABELS.owner]: String(script.userId) };
  }

  /** Who the stack named like `script` belongs to, read from the swarm. Docker errors propagate. */
  async judge(script: OwnedStack): Promise<Ownership> {
    return this.judgeResources(script, await this.objects.stackResources(script.serviceName));
  }

  /** Like judge, from the stack's resources already read (a page of scripts shares one read). */
  judgeResources(script: OwnedStack, resources: StackResources): Ownership {
    const claim: StackClaim = { installation: this.installationId, scriptId: script.id, ownerId: script.userId };
    return judgeOwnership(script.serviceName, resources, claim);
  }

  /** Like judge, but a docker failure is a 503 saying that nothing was changed. */
  read(script: OwnedStack): Promise<Ownership> {
    return this.askDocker(script.serviceName, () => this.judge(script));
  }

  /**
   * Refuses (409) a stack that is not the script's; when docker cannot say, refuses too (503), since
   * guessing could hand someone else's stack over.
   */
  async assertNotForeign(script: OwnedStack): Promise<Ownership> {
    const verdict = await this.read(script);
    if (verdict.kind === 'foreign') throw foreignStackError(verdict.reason);
    return verdict;
  }

  /**
   * A new stack name must not share a namespace with a stack on the swarm that is not `mine`: swarm
   * names a stack's objects `<stack>_<key>`, so stack `app`'s volume `x_data` would be stack
   * `app_x`'s volume `data`.
   */
  async assertNoNamespaceOverlap(stack: string, mine: (name: string) => boolean): Promise<void> {
    const names = await this.askDocker(stack, () => this.swarm.stackNames());
    const other = names.find((n) => overlaps(n, stack) && !mine(n));
    if (other) throw namespaceOverlapError(stack, other);
  }

  private async askDocker<T>(stack: string, ask: () => Promise<T>): Promise<T> {
    try {
      return await ask();
    } catch (err) {
      const { message } = classifyDockerFailure(err);
      throw new AppError(Errors.SERVICE_UNAVAILABLE, {
        zh: `无法确认栈 ${stack} 的归属（${message}），未做任何更改`,
        en: `cannot tell who owns stack ${stack} (${message}); nothing was changed`,
      });
    }
  }
}

/** `app` and `app_x` overlap: `app_x_data` could be either one's. */
export const overlaps = (a: string, b: string) => a !== b && (a.startsWith(`${b}_`) || b.startsWith(`${a}_`));

export function namespaceOverlapError(stack: string, other: string): AppError {
  return new AppError(Errors.STACK_NOT_OURS, {
    zh: `栈名 ${stack} 与不属于你的栈 ${other} 共用命名空间（Swarm 以 <栈名>_ 为资源名前缀），请换一个名称`,
    en: `the name ${stack} shares a namespace with the stack ${other}, which is not yours (swarm prefixes a stack's objects with <stack>_); choose another name`,
  });
}

export function foreignStackError(reason: string): AppError {
  return new AppError(Errors.STACK_NOT_OURS, {
    zh: `${reason}；该栈不属于此脚本，未做任何更改（管理员可以接管：PUT /web/user/script/{id}/adopt）`,
    en: `${reason}; it is not this script's stack and nothing was changed (an ADMIN can adopt it: PUT /web/user/script/{id}/adopt)`,
  });
}
