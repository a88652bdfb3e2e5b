import type { ServiceTask } from '../swarm/swarm.service';
import { watchForStall } from './stall-watch';

const TARGET = 'acme/web:2';
const task = (id: string, node: string, desiredState: string, currentState: string, image = TARGET, error = ''): ServiceTask => ({ id, name: `web.${id}`, node, image, desiredState, currentState, error });
const NO_NODE = 'no suitable node (max replicas per node limit exceed; scheduling constraints not satisfied on 2 nodes)';
const FAST = { pollMs: 5, stallMs: 40 };
const abortAfter = (ms: number) => {
  const done = new AbortController();
  setTimeout(() => done.abort(), ms);
  return done.signal;
};

describe('watchForStall', () => {
  it('names the down node once nothing has moved for the stall time while a new task waits on it', async () => {
    // Given to node3 before it was lost: it never starts, and swarm's updater waits for it forever.
    const tasks = [task('a', 'node1', 'Running', 'Running 1 second ago'), task('b', 'node3', 'Shutdown', 'Assigned 2 minutes ago'), task('c', 'node3', 'Shutdown', 'Running 3 minutes ago', 'acme/web:1')];
    const swarm = { serviceTasks: jest.fn().mockResolvedValue(tasks), unreadyNodes: jest.fn().mockResolvedValue(new Set(['node3'])) };
    const started = Date.now();
    await expect(watchForStall(swarm, 'shop_web', TARGET, new AbortController().signal, FAST)).resolves.toEqual({ lostNodes: ['node3'] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(FAST.stallMs);
  });

  it('says why once a new task no node can take has waited, unchanged, for the stall time', async () => {
    // max_replicas_per_node 1 on three nodes, one of them lost: the new task of its slot fits nowhere.
    const tasks = [task('a', 'node1', 'Running', 'Running 1 second ago'), task('b', '', 'Running', 'Pending 20 seconds ago', TARGET, NO_NODE), task('c', 'node3', 'Shutdown', 'Running 3 minutes ago', 'acme/web:1')];
    const swarm = { serviceTasks: jest.fn().mockResolvedValue(tasks), unreadyNodes: jest.fn().mockResolvedValue(new Set(['node3'])) };
    const started = Date.now();
    await expect(watchForStall(swarm, 'shop_web', TARGET, new AbortController().signal, FAST)).resolves.toEqual({ lostNodes: [], unplaceable: NO_NODE });
    expect(Date.now() - started).toBeGreaterThanOrEqual(FAST.stallMs);
  });

  it('is not stalled by a pending task of another image, one being shut down, or one the scheduler has not judged yet', async () => {
    const tasks = [
      task('a', '', 'Running', 'Pending 1 minute ago', 'acme/web:1', NO_NODE),
      task('b', '', 'Shutdown', 'Pending 1 minute ago', TARGET, NO_NODE),
      task('c', '', 'Running', 'Pending 1 minute ago', TARGET, ''),
    ];
    const swarm = { serviceTasks: jest.fn().mockResolvedValue(tasks), unreadyNodes: jest.fn().mockResolvedValue(new Set()) };
    await expect(watchForStall(swarm, 'shop_web', TARGET, abortAfter(150), FAST)).resolves.toBeUndefined();
    expect(swarm.serviceTasks.mock.calls.length).toBeGreaterThan(5);
  });

  it('keeps waiting while tasks still move (the update routes around the lost node), and stops when aborted', async () => {
    let n = 0;
    const swarm = {
      serviceTasks: jest.fn(async () => [task(`t${n++}`, 'node1', 'Running', 'Starting'), task('b', 'node3', 'Shutdown', 'Preparing')]),
      unreadyNodes: jest.fn().mockResolvedValue(new Set(['node3'])),
    };
    await expect(watchForStall(swarm, 'shop_web', TARGET, abortAfter(150), FAST)).resolves.toBeUndefined();
    expect(swarm.serviceTasks.mock.calls.length).toBeGreaterThan(5);
  });

  it('is not stalled by old tasks on a down node: swarm gives up on stopping one after a minute', async () => {
    // Both still "running" as far as swarm knows: the old image being stopped, and a new task that
    // started there before the node was lost (its slot is done).
    const tasks = [task('a', 'node1', 'Ready', 'Ready 40 seconds ago'), task('b', 'node3', 'Shutdown', 'Running 2 minutes ago', 'acme/web:1'), task('c', 'node3', 'Running', 'Running 1 minute ago')];
    const swarm = { serviceTasks: jest.fn().mockResolvedValue(tasks), unreadyNodes: jest.fn().mockResolvedValue(new Set(['node3'])) };
    await expect(watchForStall(swarm, 'shop_web', TARGET, abortAfter(150), FAST)).resolves.toBeUndefined();
    expect(swarm.serviceTasks.mock.calls.length).toBeGreaterThan(5);
  });

  it('ignores ended tasks on down nodes, healthy stalls (a long monitor period) and failing queries', async () => {
    const swarm = {
      serviceTasks: jest.fn().mockRejectedValueOnce(new Error('engine busy')).mockResolvedValue([task('a', 'node1', 'Running', 'Running'), task('b', 'node3', 'Shutdown', 'Rejected 3 minutes ago')]),
      unreadyNodes: jest.fn().mockResolvedValue(new Set(['node3'])),
    };
    await expect(watchForStall(swarm, 'shop_web', TARGET, abortAfter(150), FAST)).resolves.toBeUndefined();
    expect(swarm.serviceTasks.mock.calls.length).toBeGreaterThan(5);

    const allReady = { serviceTasks: jest.fn().mockResolvedValue([task('a', 'node1', 'Running', 'Assigned')]), unreadyNodes: jest.fn().mockResolvedValue(new Set()) };
    await expect(watchForStall(allReady, 'shop_web', TARGET, abortAfter(100), FAST)).resolves.toBeUndefined();
  });
});
