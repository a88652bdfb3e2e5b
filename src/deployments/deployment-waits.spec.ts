import { DeploymentEvents, DeploymentFinished } from './deployment-events';
import type { DeploymentRunner } from './deployment-runner';
import { DeploymentWaits } from './deployment-waits';
import type { DeploymentsService } from './deployments.service';
import type { Deployment, DeploymentStatus } from './entities/deployment.entity';

const row = (status: DeploymentStatus) => ({ id: 5, status }) as Deployment;

/** `statuses` are what successive reads of the row find (the last one repeats); `before` runs in each read. */
function setup(statuses: DeploymentStatus[], opts: { stopped?: boolean; before?: (read: number, events: DeploymentEvents) => void } = {}) {
  const events = new DeploymentEvents();
  let reads = 0;
  const deployments = {
    get: jest.fn(async () => {
      reads++;
      opts.before?.(reads, events);
      return row(statuses[Math.min(reads, statuses.length) - 1]);
    }),
  };
  const runner = { stopped: opts.stopped ?? false, live: () => undefined };
  const waits = new DeploymentWaits(deployments as unknown as DeploymentsService, runner as unknown as DeploymentRunner, events);
  return { waits, events, deployments };
}

const timed = async <T>(promise: Promise<T>) => {
  const start = Date.now();
  const value = await promise;
  return { value, ms: Date.now() - start };
};

describe('DeploymentWaits', () => {
  it('answers a finished deployment after one read', async () => {
    const { waits, deployments } = setup(['rolled_back']);
    await expect(waits.wait(5, 5000)).resolves.toMatchObject({ status: 'rolled_back' });
    expect(deployments.get).toHaveBeenCalledTimes(1);
  });

  it('reads the row again as soon as a run of this instance announces its end', async () => {
    const { waits, events, deployments } = setup(['running', 'succeeded']);
    setTimeout(() => events.emit(new DeploymentFinished(row('succeeded'))), 50);
    const { value, ms } = await timed(waits.wait(5, 5000));
    expect(value.status).toBe('succeeded');
    expect(ms).toBeLessThan(500);
    expect(deployments.get).toHaveBeenCalledTimes(2);
  });

  it('does not miss an end announced while it was reading', async () => {
    const { waits } = setup(['running', 'succeeded'], { before: (read, events) => read === 1 && events.emit(new DeploymentFinished(row('succeeded'))) });
    const { value, ms } = await timed(waits.wait(5, 5000));
    expect(value.status).toBe('succeeded');
    expect(ms).toBeLessThan(500);
  });

  it('ignores the ends of other deployments, and reads every second when nothing is announced (another replica runs it)', async () => {
    const { waits, events, deployments } = setup(['queued', 'running', 'succeeded']);
    setTimeout(() => events.emit(new DeploymentFinished({ id: 6, status: 'succeeded' } as Deployment)), 50);
    const { value, ms } = await timed(waits.wait(5, 5000));
    expect(value.status).toBe('succeeded');
    expect(deployments.get).toHaveBeenCalledTimes(3);
    expect(ms).toBeGreaterThanOrEqual(1900);
  });

  it('answers the current state once the time is up, and stops listening', async () => {
    const { waits, events } = setup(['running']);
    const stops: jest.Mock[] = [];
    const on = events.on.bind(events);
    jest.spyOn(events, 'on').mockImplementation((type, listener) => {
      stops.push(jest.fn(on(type, listener)));
      return stops.at(-1)!;
    });
    await expect(waits.wait(5, 100)).resolves.toMatchObject({ status: 'running' });
    expect(stops).toHaveLength(1);
    expect(stops[0]).toHaveBeenCalled();
  });

  it('answers a deployment that will not run here at once when shutting down', async () => {
    const { waits, deployments } = setup(['queued'], { stopped: true });
    await expect(waits.wait(5, 5000)).resolves.toMatchObject({ status: 'queued' });
    expect(deployments.get).toHaveBeenCalledTimes(1);
  });
});
