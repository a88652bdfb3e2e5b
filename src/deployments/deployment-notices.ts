import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { EntityManager, In, LessThan } from 'typeorm';
import { Errors } from '../common/error-codes';
import { appConfig } from '../config/app.config';
import { DeploymentNotice, FAILURE_EVENTS, NotificationEvent } from '../notifications/notice';
import { NotificationDispatcher } from '../notifications/notification-dispatcher';
import { NotificationOutbox } from '../notifications/notification-outbox';
import { User } from '../users/entities/user.entity';
import { Deployment, DeploymentStatus } from './entities/deployment.entity';
import { storedLines } from './live-output';

const TAIL_LINES = 10;
const TAIL_LINE_LENGTH = 300;
const ERROR_LENGTH = 2000;
const FAILED_STATUSES: DeploymentStatus[] = ['failed', 'rolled_back', 'interrupted'];

/** The event a deployment's state is: running is `started`, a failure that ran out of time `timed_out`. */
export function eventOf(d: Pick<Deployment, 'status' | 'errorCode'>): NotificationEvent | null {
  switch (d.status) {
    case 'running':
      return 'started';
    case 'failed':
      return d.errorCode === Errors.DEPLOYMENT_TIMEOUT.code ? 'timed_out' : 'failed';
    case 'queued':
      return null;
    default:
      return d.status;
  }
}

/**
 * Turns a deployment's new state into notices for the owner's channels. Called with the manager of
 * the transaction that records the state; `flush` after it committed, to deliver without waiting
 * for the dispatcher's next poll.
 */
@Injectable()
export class DeploymentNotices {
  constructor(
    private readonly outbox: NotificationOutbox,
    private readonly dispatcher: NotificationDispatcher,
    @Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>,
  ) {}

  async record(manager: EntityManager, d: Deployment): Promise<number> {
    const event = eventOf(d);
    if (!event || d.scriptId === null) return 0;
    return this.outbox.enqueue(manager, { userId: d.userId, scriptId: d.scriptId, notice: () => this.notice(manager, d, event) });
  }

  flush(): void {
    this.dispatcher.kick();
  }

  private async notice(manager: EntityManager, d: Deployment, event: NotificationEvent): Promise<DeploymentNotice> {
    const started = d.startedAt ? new Date(d.startedAt) : null;
    const finished = d.finishedAt ? new Date(d.finishedAt) : null;
    const failure = FAILURE_EVENTS.includes(event);
    const username = d.trigger === 'manual' ? ((await manager.getRepository(User).findOneBy({ id: d.userId }))?.username ?? `#${d.userId}`) : '';
    return {
      event,
      deploymentId: d.id,
      stack: d.serviceName,
      action: d.action,
      services: d.services ?? [],
      previousImage: d.previousImage ?? null,
      image: d.image && d.tag ? `${d.image}:${d.tag}` : null,
      digest: d.digest,
      trigger: d.trigger === 'manual' ? { kind: 'manual', username } : { kind: 'webhook', registry: d.source ?? null, repository: d.image },
      startedAt: started?.toISOString() ?? null,
      finishedAt: finished?.toISOString() ?? null,
      durationMs: started && finished ? finished.getTime() - started.getTime() : null,
      // The dashboard's page of the deployment, not the JSON API.
      url: `${this.app.publicBaseUrl}/deployments/${d.id}`,
      error: d.error ? d.error.slice(0, ERROR_LENGTH) : null,
      errorCode: d.errorCode,
      outputTail: failure ? storedLines(d.output).slice(-TAIL_LINES).map((l) => l.slice(0, TAIL_LINE_LENGTH)) : [],
      repeats: 0,
      recovered: event === 'succeeded' && (await this.followsFailure(manager, d)),
    };
  }

  /** Whether the stack's previous operation that ran ended badly. */
  private async followsFailure(manager: EntityManager, d: Deployment): Promise<boolean> {
    const previous = await manager.getRepository(Deployment).findOne({
      select: { id: true, status: true },
      where: { serviceName: d.serviceName, id: LessThan(d.id), status: In(['succeeded', ...FAILED_STATUSES]) },
      order: { id: 'DESC' },
    });
    return !!previous && FAILED_STATUSES.includes(previous.status);
  }
}
