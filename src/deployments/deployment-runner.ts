import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { CoalescingLoop } from '../common/coalescing-loop';
import { dockerConfig } from '../config/docker.config';
import { shutdownConfig } from '../config/shutdown.config';
import { retryWhileUnreachable } from '../database/db-errors';
import { DeploymentEvents, DeploymentFinished, RunnerClosed } from './deployment-events';
import { DeploymentExecutor, DeploymentStopped, ExecutionResult } from './deployment-executor';
import { leaseFromNow, leaseRenewal } from './deployment-lease';
import { DeploymentNotices } from './deployment-notices';
import { DeploymentRecovery } from './deployment-recovery';
import { Deployment } from './entities/deployment.entity';
import { LiveOutput, storeLines } from './live-output';
import { StackLock, StackLocks } from './stack-locks';

/** How often every instance looks for queued work (also picks up what a dead instance accepted). */
export const POLL_MS = 1000;
/** How often a running deployment's output is saved, for subscribers on other instances. */
const SAVE_OUTPUT_MS = 1000;
/** How long a claim or a final state is retried while the database is unreachable (a restart, a failover). */
export const RECORD_RETRY_MS = 180_000;
const SHUTTING_DOWN = 'the operation was stopped because the service is shutting down';

interface ActiveRun {
  deployment: Deployment;
  abort: AbortController;
  live: LiveOutput;
  done: Promise<void>;
}

/**
 * The queue worker. The queue is the deployments table: each instance polls for queued rows, takes a
 * stack's lock, claims the stack's oldest queued row with a conditional UPDATE (status still
 * 'queued'), runs it, records the result and releases the lock. So operations on one stack run one
 * at a time in order, on whichever instance, and different stacks run in parallel up to
 * MAX_PARALLEL_DEPLOYMENTS per instance.
 *
 * Rows of an instance that died are left to DeploymentRecovery, at start-up and between polls.
 *
 * Emits DeploymentFinished for each run of this instance once its final state is recorded, and
 * RunnerClosed once shutdown has settled every run.
 */
@Injectable()
export class DeploymentRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeploymentRunner.name);
  private readonly active = new Map<number, ActiveRun>();
  private timer?: NodeJS.Timeout;
  private readonly loop = new CoalescingLoop(() => this.tick(), (err) => this.logger.error(`deployment queue: ${err.message}`));
  private stopping = false;

  constructor(
    @InjectRepository(Deployment) private readonly repo: Repository<Deployment>,
    private readonly locks: StackLocks,
    private readonly executor: DeploymentExecutor,
    private readonly notices: DeploymentNotices,
    private readonly recovery: DeploymentRecovery,
    private readonly events: DeploymentEvents,
    @Inject(dockerConfig.KEY) private readonly config: ConfigType<typeof dockerConfig>,
    @Inject(shutdownConfig.KEY) private readonly shutdown: ConfigType<typeof shutdownConfig>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.recovery.recover();
    this.timer = setInterval(() => this.kick(), POLL_MS);
    this.timer.unref();
    this.kick();
  }

  /**
   * Stop taking work (queued rows stay queued for another instance or the next start); let running
   * deployments finish for up to SHUTDOWN_GRACE_SECONDS, then stop them (the swarm may still finish
   * the change) and record them as interrupted.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    const runs = () => Promise.allSettled([...this.active.values()].map((run) => run.done));
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([runs(), new Promise((resolve) => (grace = setTimeout(resolve, this.shutdown.graceSeconds * 1000)))]);
    clearTimeout(grace);
    for (const run of this.active.values()) run.abort.abort(new DeploymentStopped(SHUTTING_DOWN));
    await runs();
    this.events.emit(new RunnerClosed());
  }

  /** True once shutdown began: nothing new starts here. */
  get stopped(): boolean {
    return this.stopping;
  }

  /** The live output of a deployment running in this instance. */
  live(id: number): LiveOutput | undefined {
    return this.active.get(id)?.live;
  }

  /** Looks for work now (after a request) instead of at the next poll. */
  kick(): void {
    if (!this.stopping) this.loop.kick();
  }

  private async tick(): Promise<void> {
    if (this.stopping) return;
    await this.recovery.recoverWhenDue();
    let free = this.config.maxParallelDeployments - this.active.size;
    if (free <= 0) return;
    const queued = await this.repo.find({ select: { id: true, serviceName: true }, where: { status: 'queued' }, order: { id: 'ASC' }, take: 500 });
    // Stacks in the order of their oldest queued operation.
    for (const stack of new Set(queued.map((q) => q.serviceName))) {
      if (free <= 0 || this.stopping) return;
      if ([...this.active.values()].some((r) => r.deployment.serviceName === stack)) continue;
      if (await this.tryStart(stack)) free--;
    }
  }

  private async tryStart(stack: string): Promise<boolean> {
    const lock = await this.locks.tryAcquire(stack);
    if (!lock) return false;
    let started = false;
    try {
      // MySQL: a running row while its lock is free means its instance is taking the lock again after
      // losing its connection (its lease runs), or died (recovery marks it once the lease ended): never
      // start beside it. (SQLite has one instance, whose start-up recovery ran before any start.)
      if (this.locks.leaseSeconds !== null && (await this.repo.exists({ where: { serviceName: stack, status: 'running' } }))) return false;
      for (;;) {
        const next = await this.repo.findOne({ where: { serviceName: stack, status: 'queued' }, order: { id: 'ASC' } });
        if (!next || this.stopping) return false;
        const running = await this.claim(next);
        if (running) {
          this.notices.flush();
          this.start(running, lock);
          return (started = true);
        }
        // Superseded between the read and the claim: look at the next one.
      }
    } finally {
      if (!started) await lock.release();
    }
  }

  /**
   * Claims a queued deployment for this instance, with its `started` notice; null when it is no longer
   * queued. Retried while the database is unreachable: a retry after a commit whose answer was lost
   * finds the row running since this claim's startedAt, so it is ours.
   */
  private async claim(next: Deployment): Promise<Deployment | null> {
    const startedAt = new Date();
    const running = Object.assign(next, { status: 'running' as const, startedAt });
    const lease = this.locks.leaseSeconds === null ? {} : { leaseExpiresAt: leaseFromNow(this.locks.leaseSeconds) };
    const claimed = await retryWhileUnreachable(
      () =>
        this.repo.manager.transaction(async (tx) => {
          const { affected } = await tx.update(Deployment, { id: next.id, status: 'queued' }, { status: 'running', startedAt, ...lease });
          if (affected === 1) await this.notices.record(tx, running);
          return affected === 1 || tx.exists(Deployment, { where: { id: next.id, status: 'running', startedAt } });
        }),
      { forMs: RECORD_RETRY_MS, onRetry: (err) => this.logger.warn(`claiming deployment ${next.id}: the database is unreachable (${(err as Error).message}); retrying`) },
    );
    return claimed ? running : null;
  }

  private start(deployment: Deployment, lock: StackLock): void {
    const run = { deployment, abort: new AbortController(), live: new LiveOutput() } as ActiveRun;
    this.active.set(deployment.id, run);
    if (this.locks.leaseSeconds !== null) lock.renewWith(leaseRenewal(deployment.id, this.locks.leaseSeconds));
    // Another instance may take the stack over once the lock is gone: docker stops here first.
    const onLost = () =>
      run.abort.abort(
        new DeploymentStopped(
          `lost the stack lock (${(lock.lost.reason as Error).message}): stopped so that no other instance changes the stack at the same time; check the stack, the swarm may have finished the change`,
        ),
      );
    if (lock.lost.aborted) onLost();
    else lock.lost.addEventListener('abort', onLost, { once: true });
    run.done = this.execute(run, lock)
      .catch((err) => this.logger.error(`deployment ${deployment.id}: ${(err as Error).stack ?? err}`))
      .finally(async () => {
        lock.lost.removeEventListener('abort', onLost);
        await lock.release().catch((err) => this.logger.error(`releasing stack ${deployment.serviceName}: ${(err as Error).message}`));
        this.active.delete(deployment.id);
        this.kick();
      });
  }

  private async execute(run: ActiveRun, lock: StackLock): Promise<void> {
    const d = run.deployment;
    let dirty = false;
    let saving = false;
    const saver = setInterval(() => {
      // One save at a time: while the database does not answer, saves would pile up on the pool.
      if (!dirty || saving) return;
      [dirty, saving] = [false, true];
      const { lines, total } = run.live.snapshot();
      this.repo
        .update({ id: d.id, status: 'running' }, { output: storeLines(lines), lineCount: total })
        .catch(() => undefined)
        .finally(() => (saving = false));
    }, SAVE_OUTPUT_MS);
    let result: ExecutionResult;
    try {
      result = await this.executor.execute(d, {
        onLine: (line) => {
          run.live.push(line);
          dirty = true;
        },
        signal: run.abort.signal,
        deadline: (d.startedAt?.getTime() ?? Date.now()) + this.config.deployTimeoutSeconds * 1000,
      });
    } finally {
      clearInterval(saver);
    }
    // The final state ends the lease (a renewal would no longer find the row running).
    lock.renewWith(null);
    const { lines, total } = run.live.snapshot();
    const final = {
      status: result.status,
      error: result.error ?? null,
      errorCode: result.errorCode ?? null,
      ...(result.digest && { digest: result.digest }),
      ...(result.previousImage && { previousImage: result.previousImage }),
      output: storeLines(lines),
      lineCount: total,
      finishedAt: new Date(),
    };
    const finished = Object.assign(d, final);
    await this.record(finished, final).catch((err) => {
      throw new Error(`could not record deployment ${d.id} as ${final.status}, the database stayed unreachable (${(err as Error).message}); recovery will mark it interrupted`);
    });
    this.notices.flush();
    if (result.status !== 'succeeded') this.logger.warn(`deployment ${d.id} (${d.action} ${d.serviceName}) ${result.status}: ${result.error}`);
    run.live.finish(finished);
    this.events.emit(new DeploymentFinished(finished));
  }

  /**
   * Saves a run's final state and its notice together (the outbox), or neither; retried while the
   * database is unreachable, so the outcome survives a database restart. If recovery on another
   * instance marked the run interrupted meanwhile (this instance's lease ended first: a database outage
   * or a network cut longer than the lease), the outcome found here is the truth and replaces it; its
   * notice is sent only if the event differs, so a channel hears `interrupted`, then the real outcome,
   * never the same event twice. Safe to retry: once an attempt committed, no row matches again (or an
   * `interrupted` one is written again the same, without a notice).
   */
  private async record(finished: Deployment, final: Partial<Deployment>): Promise<void> {
    const { id, status } = finished;
    await retryWhileUnreachable(
      () =>
        this.repo.manager.transaction(async (tx) => {
          const { affected } = await tx.update(Deployment, { id, status: 'running' }, final);
          if (affected === 1) return void (await this.notices.record(tx, finished));
          const replaced = await tx.update(Deployment, { id, status: 'interrupted' }, final);
          if (replaced.affected === 1 && status !== 'interrupted') {
            this.logger.warn(`deployment ${id} was marked interrupted by recovery while it ran here; recorded its outcome, ${status}, instead`);
            await this.notices.record(tx, finished);
          }
        }),
      { forMs: RECORD_RETRY_MS, onRetry: (err) => this.logger.warn(`recording deployment ${id} (${status}): the database is unreachable (${(err as Error).message}); retrying`) },
    );
  }
}
