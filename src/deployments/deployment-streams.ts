import { Injectable } from '@nestjs/common';
import { Observable } from 'rxjs';
import { DeploymentEvents, RunnerClosed } from './deployment-events';
import { DeploymentRunner, POLL_MS } from './deployment-runner';
import { DeploymentsService } from './deployments.service';
import { isFinished } from './entities/deployment.entity';
import { LiveEvent, storedLines } from './live-output';

/** A deployment's output and final status as they happen, for GET /web/user/deployments/{id}/events. */
@Injectable()
export class DeploymentStreams {
  constructor(
    private readonly deployments: DeploymentsService,
    private readonly runner: DeploymentRunner,
    private readonly events: DeploymentEvents,
  ) {}

  /**
   * Output lines (numbered from 1, so a reconnecting client can skip what it has) as they arrive, then
   * the final status, then completion. A finished deployment replays its stored lines. Live from this
   * instance's memory when it runs the deployment here; otherwise read from the database every second.
   */
  subscribe(id: number, afterSeq = 0): Observable<LiveEvent> {
    return new Observable<LiveEvent>((sub) => {
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
        const d = await this.deployments.get(id);
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
}
