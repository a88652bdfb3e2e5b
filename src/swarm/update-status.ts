/**
 * What `docker service inspect --format '{{json .UpdateStatus}}'` says about the last rolling update.
 * States (swarmkit api/objects.proto UpdateStatus.UpdateState): updating, paused, completed,
 * rollback_started, rollback_paused, rollback_completed. `null` when the last spec change needed no
 * rolling update (the engine clears the status on every service update, e.g. re-applying the same image).
 */
export interface RawUpdateStatus {
  State?: string;
  StartedAt?: string;
  CompletedAt?: string;
  Message?: string;
}

export type UpdateOutcome =
  /** The update finished and the tasks run the new spec. */
  | 'succeeded'
  /** The update failed and swarm restored the previous spec. */
  | 'rolled_back'
  /** The update (or its rollback) stopped half-way: the service needs attention. */
  | 'failed'
  /** Still moving: read again. */
  | 'in_progress'
  /** No rolling update happened; decide from the service's image. */
  | 'none';

export interface UpdateVerdict {
  outcome: UpdateOutcome;
  state: string | null;
  message: string;
}

export function interpretUpdateStatus(raw: RawUpdateStatus | null | undefined): UpdateVerdict {
  if (!raw || !raw.State) return { outcome: 'none', state: null, message: 'no rolling update was needed' };
  const message = raw.Message ?? '';
  switch (raw.State) {
    case 'completed':
      return { outcome: 'succeeded', state: raw.State, message };
    case 'rollback_completed':
      return { outcome: 'rolled_back', state: raw.State, message };
    case 'paused':
    case 'rollback_paused':
      return { outcome: 'failed', state: raw.State, message };
    case 'updating':
    case 'rollback_started':
      return { outcome: 'in_progress', state: raw.State, message };
    default:
      // A state a newer engine may add: not success until proven.
      return { outcome: 'failed', state: raw.State, message: `unknown update state "${raw.State}" ${message}`.trim() };
  }
}

/** Parses the inspect output (`null`, or one JSON object). */
export function parseUpdateStatus(stdout: string): RawUpdateStatus | null {
  const text = stdout.trim();
  if (text === '' || text === 'null' || text === '<no value>') return null;
  return JSON.parse(text) as RawUpdateStatus;
}
