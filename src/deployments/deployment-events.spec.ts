import { DeploymentEvents, DeploymentFinished, DeploymentsSuperseded, RunnerClosed } from './deployment-events';
import type { Deployment } from './entities/deployment.entity';

describe('DeploymentEvents', () => {
  it('delivers an event to the listeners of its class only, until they unsubscribe', () => {
    const events = new DeploymentEvents();
    const finished: number[] = [];
    const superseded: number[] = [];
    const stop = events.on(DeploymentFinished, ({ deployment }) => finished.push(deployment.id));
    events.on(DeploymentsSuperseded, ({ count }) => superseded.push(count));
    events.emit(new DeploymentFinished({ id: 4 } as Deployment));
    events.emit(new DeploymentsSuperseded(2));
    events.emit(new RunnerClosed());
    stop();
    events.emit(new DeploymentFinished({ id: 5 } as Deployment));
    expect(finished).toEqual([4]);
    expect(superseded).toEqual([2]);
  });

  it('lets a listener unsubscribe while the event is delivered, without skipping the others', () => {
    const events = new DeploymentEvents();
    const calls: string[] = [];
    const stopFirst = events.on(RunnerClosed, () => {
      calls.push('first');
      stopFirst();
    });
    events.on(RunnerClosed, () => calls.push('second'));
    events.emit(new RunnerClosed());
    events.emit(new RunnerClosed());
    expect(calls).toEqual(['first', 'second', 'second']);
  });

  it('calls a listener given twice twice, and removes one subscription at a time', () => {
    const events = new DeploymentEvents();
    let n = 0;
    const listener = () => n++;
    const stop = events.on(RunnerClosed, listener);
    events.on(RunnerClosed, listener);
    events.emit(new RunnerClosed());
    stop();
    events.emit(new RunnerClosed());
    expect(n).toBe(3);
  });

  it('keeps buses apart: one app instance does not hear another', () => {
    const [a, b] = [new DeploymentEvents(), new DeploymentEvents()];
    let heard = 0;
    a.on(RunnerClosed, () => heard++);
    b.emit(new RunnerClosed());
    expect(heard).toBe(0);
  });
});
