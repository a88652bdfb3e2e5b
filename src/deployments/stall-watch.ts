import { pause } from '../common/pause';
import { sameImage } from '../swarm/image-reference';
import type { ServiceTask, SwarmService } from '../swarm/swarm.service';

/** Task states in which swarm's updater no longer waits for a new task (docker service ps, first word, lower case). */
const STARTED = new Set(['running', 'shutdown', 'failed', 'complete', 'rejected', 'orphaned', 'remove']);
/** The scheduler's error on a task no node can take: "no suitable node (max replicas per node limit exceed; ...)". */
const NO_SUITABLE_NODE = /^no suitable node\b/i;

/** Why a rolling update can make no progress: either or both. */
export interface StalledUpdate {
  /** Hostnames of the nodes that are down with new tasks the update waits for. */
  lostNodes: string[];
  /** The scheduler's error for a new task it can place on no node, when the update waits for one. */
  unplaceable?: string;
}

export interface StallWatchOptions {
  pollMs: number;
  /** How long nothing may move while the update waits on such a task before it counts as stalled. */
  stallMs: number;
}

/** Measured on a three-node swarm: a node is reported down ~12 s after it is lost. */
export const STALL_WATCH: StallWatchOptions = { pollMs: 5_000, stallMs: 30_000 };

/**
 * Watches a rolling update for a new task it can never get running. Swarm's updater waits for each
 * slot's new task to start; it neither finishes nor pauses while that task
 * - was given to a node that is then lost: it never starts (nor fails) until the node returns or is removed;
 * - fits on no node (a node lost under `max_replicas_per_node`, a constraint no ready node meets): it
 *   stays pending until one can take it.
 *
 * Resolves with what it waits on once no task of the service has changed state for `stallMs` while
 * such a task of the `target` image waits; resolves undefined when `signal` aborts (the update ended
 * on its own). Old tasks on a lost node are not a stall: swarm waits at most a minute for one to stop
 * (swarmkit's defaultOldTaskTimeout) and then starts its replacement elsewhere.
 * Query errors are ignored: the watch only ever shortens a wait, never decides success.
 */
export async function watchForStall(
  swarm: Pick<SwarmService, 'serviceTasks' | 'unreadyNodes'>,
  service: string,
  target: string,
  signal: AbortSignal,
  opts: StallWatchOptions = STALL_WATCH,
): Promise<StalledUpdate | undefined> {
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
    const waiting = tasks.filter((t) => sameImage(t.image, target) && !STARTED.has(stateWord(t.currentState)));
    const onLostNodes = waiting.filter((t) => down.has(t.node));
    const unplaceable = waiting.find((t) => !t.node && t.desiredState.toLowerCase() === 'running' && NO_SUITABLE_NODE.test(t.error));
    if ((onLostNodes.length > 0 || unplaceable) && Date.now() - unchangedSince >= opts.stallMs) {
      return { lostNodes: [...new Set(onLostNodes.map((t) => t.node))].sort(), ...(unplaceable && { unplaceable: unplaceable.error }) };
    }
  }
  return undefined;
}

/** "Running 4 minutes ago" → "running". */
function stateWord(currentState: string): string {
  return currentState.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
}
