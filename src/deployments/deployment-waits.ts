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

  /**
   * The finished deployment, or its current (queued/running) state once `timeoutMs` has passed; the
   * row as the database has it. A run of this instance announces its end (DeploymentFinished), and
   * the row is then read at once.
   */
  async wait(id: number, timeoutMs: number): Promise<Deployment> {
    const deadline = Date.now() + timeoutMs;
    let announced = false;
    let wake: () => void = () => undefined;
    const stopListening = this.events.on(DeploymentFinished, ({ deployment }) => {
      if (deployment.id !== id) return;
      announced = true;
      wake();
    });
    try {
      for (;;) {
        const d = await this.deployments.get(id);
        const left = deadline - Date.now();
        // Shutting down: a queued deployment will not start here; answer with its state now.
        if (isFinished(d.status) || left <= 0 || (this.runner.stopped && !this.runner.live(id))) return d;
        // Also read every POLL_MS: a deployment queued or run by another replica sharing the database
        // (test/replicas.e2e-spec.ts), or a run here whose end could not be recorded, announces nothing.
        await new Promise<void>((resolve) => {
          // Announced (perhaps during the read): read again now, once.
          if (announced) {
            announced = false;
            return resolve();
          }
          const timer = setTimeout(resolve, Math.min(left, POLL_MS));
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      stopListening();
    }
  }
}
