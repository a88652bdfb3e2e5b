import { Injectable } from '@nestjs/common';
import { DeploymentEvents, DeploymentFinished } from './deployment-events';
import { DeploymentRunner, POLL_MS } from './deployment-runner';
import { DeploymentsService } from './deployments.service';
import { Deployment, isFinished } from './entities/deployment.entity';

/** Waiting for a deployment to finish, for callers that answer with its outcome. */
@Injectable()
export class DeploymentWaits {
  constructor(
    private readonly deployments: DeploymentsService,
    private readonly runner: DeploymentRunner,
    private readonly events: DeploymentEvents,
  ) {}

  /** The finished deployment, or its current (queued/running) state once `timeoutMs` has passed. */
  async wait(id: number, timeoutMs: number): Promise<Deployment> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const d = await this.deployments.get(id);
      const left = deadline - Date.now();
      // Shutting down: a queued deployment will not start here; answer with its state now.
      if (isFinished(d.status) || left <= 0 || (this.runner.stopped && !this.runner.live(id))) return d;
      await this.finishedOrTimeout(id, Math.min(left, POLL_MS));
    }
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
