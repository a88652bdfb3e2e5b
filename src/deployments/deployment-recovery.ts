import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { Errors } from '../common/error-codes';
import { DeploymentEvents, DeploymentsRecovered } from './deployment-events';
import { leaseEnded } from './deployment-lease';
import { DeploymentNotices } from './deployment-notices';
import { Deployment } from './entities/deployment.entity';
import { StackLocks } from './stack-locks';

/** How often `running` rows whose stack lock is free (their instance died) are marked interrupted. */
const RECOVERY_EVERY_MS = 30_000;

/**
 * Marks `running` rows whose stack lock is free as interrupted: their instance died mid-operation
 * (a live instance holds the lock for as long as its row is running). On MySQL only rows whose lease
 * ended: until then their instance may be taking the lock again after a database restart. Each
 * instance does it at start-up and every RECOVERY_EVERY_MS after; emits DeploymentsRecovered.
 */
@Injectable()
export class DeploymentRecovery {
  private readonly logger = new Logger(DeploymentRecovery.name);
  private lastRecovery = 0;

  constructor(
    @InjectRepository(Deployment) private readonly repo: Repository<Deployment>,
    private readonly locks: StackLocks,
    private readonly notices: DeploymentNotices,
    private readonly events: DeploymentEvents,
  ) {}

  /** Recovers when RECOVERY_EVERY_MS have passed since the last time. */
  async recoverWhenDue(): Promise<void> {
    if (Date.now() - this.lastRecovery >= RECOVERY_EVERY_MS) await this.recover();
  }

  async recover(): Promise<void> {
    this.lastRecovery = Date.now();
    const orphaned = this.locks.leaseSeconds === null ? { status: 'running' as const } : { status: 'running' as const, leaseExpiresAt: leaseEnded() };
    const running = await this.repo.find({ select: { id: true, serviceName: true }, where: orphaned });
    for (const stack of new Set(running.map((r) => r.serviceName))) {
      const lock = await this.locks.tryAcquire(stack);
      if (!lock) continue;
      try {
        // Read again under the lock: a row may have finished since. Under the lock nothing else changes
        // the stack's running rows, so these are exactly the rows the update marks.
        const stale = await this.repo.find({
          where: { ...orphaned, serviceName: stack, id: In(running.filter((r) => r.serviceName === stack).map((r) => r.id)) },
        });
        if (!stale.length) continue;
        const interrupted = {
          status: 'interrupted' as const,
          error: 'the instance running this deployment stopped, or lost the database for longer than its lease; check the stack, the swarm may have finished the change',
          errorCode: Errors.DEPLOYMENT_INTERRUPTED.code,
          finishedAt: new Date(),
        };
        const affected = await this.repo.manager.transaction(async (tx) => {
          const result = await tx.update(Deployment, { ...orphaned, serviceName: stack, id: In(stale.map((r) => r.id)) }, interrupted);
          for (const row of stale) await this.notices.record(tx, Object.assign(row, interrupted));
          return result.affected;
        });
        this.notices.flush();
        const { finishedAt } = interrupted;
        if (affected) {
          this.logger.warn(`marked ${affected} deployment(s) of stack ${stack} interrupted`);
          this.events.emit(
            new DeploymentsRecovered(stale.map((r) => ({ id: r.id, action: r.action, trigger: r.trigger, startedAt: r.startedAt, finishedAt, status: 'interrupted' }))),
          );
        }
      } finally {
        await lock.release();
      }
    }
  }
}
