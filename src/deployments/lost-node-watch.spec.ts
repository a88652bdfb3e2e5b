import type { ServiceTask } from '../swarm/swarm.service';
import { watchForLostNodes } from './lost-node-watch';

const task = (id: string, node: string, desiredState: string, currentState: string): ServiceTask => ({ id, name: `web.${id}`, node, image: 'acme/web:2', desiredState, currentState, error: '' });
const FAST = { pollMs: 5, stallMs: 40 };

describe('watchForLostNodes', () => {
  it('names the down node once nothing has moved for the stall time while it holds a task', async () => {
    const tasks = [task('a', 'node1', 'Running', 'Running 1 second ago'), task('b', 'node3', 'Shutdown', 'Running 2 minutes ago')];
    const swarm = { serviceTasks: jest.fn().mockResolvedValue(tasks), unreadyNodes: jest.fn().mockResolvedValue(new Set(['node3'])) };
    const started = Date.now();
    await expect(watchForLostNodes(swarm, 'shop_web', new AbortController().signal, FAST)).resolves.toEqual({ nodes: ['node3'] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(FAST.stallMs);
  });

  it('keeps waiting while tasks still move (the update routes around the lost node), and stops when aborted', async () => {
    let n = 0;
    const swarm = {
      serviceTasks: jest.fn(async () => [task(`t${n++}`, 'node1', 'Running', 'Starting'), task('b', 'node3', 'Shutdown', 'Running')]),
      unreadyNodes: jest.fn().mockResolvedValue(new Set(['node3'])),
    };
    const done = new AbortController();
    setTimeout(() => done.abort(), 150);
    await expect(watchForLostNodes(swarm, 'shop_web', done.signal, FAST)).resolves.toBeUndefined();
    expect(swarm.serviceTasks.mock.calls.length).toBeGreaterThan(5);
  });

  it('ignores ended tasks on down nodes, healthy stalls (a long monitor period) and failing queries', async () => {
    const swarm = {
      serviceTasks: jest.fn().mockRejectedValueOnce(new Error('engine busy')).mockResolvedValue([task('a', 'node1', 'Running', 'Running'), task('b', 'node3', 'Shutdown', 'Shutdown 3 minutes ago')]),
      unreadyNodes: jest.fn().mockResolvedValue(new Set(['node3'])),
    };
    const done = new AbortController();
    setTimeout(() => done.abort(), 150);
    await expect(watchForLostNodes(swarm, 'shop_web', done.signal, FAST)).resolves.toBeUndefined();
    expect(swarm.serviceTasks.mock.calls.length).toBeGreaterThan(5);

    const allReady = { serviceTasks: jest.fn().mockResolvedValue([task('a', 'node1', 'Running', 'Running')]), unreadyNodes: jest.fn().mockResolvedValue(new Set()) };
    const later = new AbortController();
    setTimeout(() => later.abort(), 100);
    await expect(watchForLostNodes(allReady, 'shop_web', later.signal, FAST)).resolves.toBeUndefined();
  });
});
