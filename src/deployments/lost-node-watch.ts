import { pause } from '../common/pause';
import { sameImage } from '../swarm/image-reference';
import type { ServiceTask, SwarmService } from '../swarm/swarm.service';

/** Task states in which swarm's updater no longer waits for a new task (docker service ps, first word, lower case). */
const STARTED = new Set(['running', 'shutdown', 'failed', 'complete', 'rejected', 'orphaned', 'remove']);

export interface LostNodes {
  /** Hostnames of the nodes that are down with tasks the update waits for. */
  nodes: string[];
}

export interface LostNodeWatchOptions {
  pollMs: number;
  /** How long nothing may move while a node is down before the update counts as stalled. */
  stallMs: number;
}

/** Measured on a three-node swarm: a node is reported down ~12 s after it is lost. */
export const LOST_NODE_WATCH: LostNodeWatchOptions = { pollMs: 5_000, stallMs: 30_000 };

/**
 * Watches a rolling update for a node lost under it. Swarm's updater waits for each slot's new task to
 * start; a new task the scheduler gave to a node that is then lost never starts (nor fails) until the
 * node returns or is removed, so the update neither finishes nor pauses. Resolves with the lost nodes
 * once no task of the service has changed state for `stallMs` while such a task of the `target` image
 * waits on a node that is not ready; resolves undefined when `signal` aborts (the update ended on its
 * own). Old tasks on a lost node are not a stall: swarm waits at most a minute for one to stop
 * (swarmkit's defaultOldTaskTimeout) and then starts its replacement elsewhere.
 * Query errors are ignored: the watch only ever shortens a wait, never decides success.
 */
export async function watchForLostNodes(
  swarm: Pick<SwarmService, 'serviceTasks' | 'unreadyNodes'>,
  service: string,
  target: string,
  signal: AbortSignal,
  opts: LostNodeWatchOptions = LOST_NODE_WATCH,
): Promise<LostNodes | undefined> {
  let last = '';
  let unchangedSince = Date.now();
  while (!signal.aborted) {
    await pause(opts.pollMs, signal);
    if (signal.aborted) return undefined;
    let tasks: ServiceTask[];
    let down: Set<string>;
    try {
      [tasks, down] = await Promise.all([swarm.serviceTasks(service), swarm.unreadyNodes()]);
    } catch {
      continue;
    }
    const snapshot = tasks.map((t) => `${t.id}:${t.desiredState}:${stateWord(t.currentState)}`).sort().join(',');
    if (snapshot !== last) {
      last = snapshot;
      unchangedSince = Date.now();
    }
    const stuck = tasks.filter((t) => down.has(t.node) && sameImage(t.image, target) && !STARTED.has(stateWord(t.currentState)));
    if (stuck.length > 0 && Date.now() - unchangedSince >= opts.stallMs) {
      return { nodes: [...new Set(stuck.map((t) => t.node))].sort() };
    }
  }
  return undefined;
}

/** "Running 4 minutes ago" → "running". */
function stateWord(currentState: string): string {
  return currentState.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
}
