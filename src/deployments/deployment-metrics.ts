import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { MetricsService } from '../metrics/metrics.service';
import { DeploymentEvents, DeploymentFinished, DeploymentsRecovered, DeploymentsSuperseded } from './deployment-events';
import { Deployment } from './entities/deployment.entity';

type Finished = Pick<Deployment, 'action' | 'trigger' | 'status' | 'startedAt' | 'finishedAt'>;

/**
 * Feeds the deployment series of /metrics:
 * - `dds_deployments_total` and `dds_deployment_duration_seconds` for each run this instance finishes
 *   (finishedAt - startedAt). Rows that recovery marks interrupted are counted without a duration:
 *   their end is when an instance noticed, not when the work stopped. Webhook updates marked
 *   `superseded` (never started) are counted without a duration.
 * - `dds_deployment_queue_depth`: a COUNT of queued rows at each scrape, for every instance alike.
 */
@Injectable()
export class DeploymentMetrics implements OnModuleInit {
  constructor(
    private readonly events: DeploymentEvents,
    private readonly metrics: MetricsService,
    @InjectRepository(Deployment) private readonly repo: Repository<Deployment>,
  ) {}

  onModuleInit(): void {
    this.events.on(DeploymentFinished, ({ deployment }) => this.finished(deployment, true));
    this.events.on(DeploymentsRecovered, ({ rows }) => rows.forEach((d) => this.finished(d, false)));
    this.events.on(DeploymentsSuperseded, ({ count }) => this.metrics.deploymentsSuperseded(count));
    this.metrics.trackQueueDepth(() => this.repo.count({ where: { status: 'queued' } }));
  }

  private finished(d: Finished, timed: boolean): void {
    const seconds = timed && d.startedAt && d.finishedAt ? (d.finishedAt.getTime() - d.startedAt.getTime()) / 1000 : undefined;
    this.metrics.deploymentFinished(d.action, d.trigger, d.status, seconds);
  }
}
