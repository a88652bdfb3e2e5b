import { Injectable } from '@nestjs/common';
import type { Deployment } from './entities/deployment.entity';

/*
 * What happens to deployments in this instance, one payload class per event: searching for a class
 * finds its one emitter and every listener. Listeners run synchronously, in the emitter's call.
 */

/** DeploymentRunner: a run of this instance recorded its final state (the row as recorded). */
export class DeploymentFinished {
  constructor(readonly deployment: Deployment) {}
}

/** What recovery knows of a row it marked interrupted. */
export type RecoveredRow = Pick<Deployment, 'id' | 'action' | 'trigger' | 'status' | 'startedAt' | 'finishedAt'>;

/** DeploymentRecovery: running rows of an instance that died were marked interrupted. */
export class DeploymentsRecovered {
  constructor(readonly rows: RecoveredRow[]) {}
}

/** DeploymentIntake: a new webhook update superseded this many older queued ones. */
export class DeploymentsSuperseded {
  constructor(readonly count: number) {}
}

/** DeploymentRunner: shutdown settled every run of this instance; nothing more finishes here. */
export class RunnerClosed {
  // Without a member, any object would type as this event.
  private declare readonly runnerClosed: true;
}

export type DeploymentEvent = DeploymentFinished | DeploymentsRecovered | DeploymentsSuperseded | RunnerClosed;

type EventClass<E extends DeploymentEvent> = new (...args: never[]) => E;
type Listener = (event: DeploymentEvent) => void;

/** The bus of this app instance (several instances in one process stay apart). */
@Injectable()
export class DeploymentEvents {
  private readonly listeners = new Map<EventClass<DeploymentEvent>, Set<Listener>>();

  /** Calls `listener` with every event of `type` until the returned function is called. */
  on<E extends DeploymentEvent>(type: EventClass<E>, listener: (event: E) => void): () => void {
    const set = this.listeners.get(type) ?? new Set<Listener>();
    this.listeners.set(type, set);
    // A fresh function per subscription: the same listener given twice is called twice, removed once each.
    const entry: Listener = (event) => listener(event as E);
    set.add(entry);
    return () => void set.delete(entry);
  }

  emit(event: DeploymentEvent): void {
    // A copy: a listener may unsubscribe itself or others while the event is delivered.
    for (const listener of [...(this.listeners.get(event.constructor as EventClass<DeploymentEvent>) ?? [])]) listener(event);
  }
}
