import { interpretUpdateStatus, parseUpdateStatus } from './update-status';

// Captured from `docker service inspect --format '{{json .UpdateStatus}}'` on engine 20.10 (this machine).
const CAPTURED = {
  completed:
    '{"State":"completed","StartedAt":"2026-11-25T18:31:12.830125325Z","CompletedAt":"2026-11-25T18:31:24.70288126Z","Message":"update completed"}',
  rollbackCompleted:
    '{"State":"rollback_completed","StartedAt":"2026-11-25T18:31:25.048976199Z","CompletedAt":"2026-11-25T18:31:41.863191513Z","Message":"rollback completed"}',
  paused:
    '{"State":"paused","StartedAt":"2026-11-25T18:31:48.452024906Z","Message":"update paused due to failure or early termination of task l7nqyhlpsdzrwz6kgj8v4xyi3"}',
  // Read right after `--update-failure-action rollback` exited 0: the rollback is still settling.
  rollbackStarted:
    '{"State":"rollback_started","StartedAt":"2026-11-25T18:32:22.064659759Z","Message":"update rolled back due to failure or early termination of task vdxo4rgo64mrbe5qi9cq9ufkh"}',
  // After an update that changed nothing (same image again) the engine clears the status.
  none: 'null\n',
};

describe('UpdateStatus interpretation', () => {
  it.each([
    ['completed', 'succeeded', 'update completed'],
    ['rollbackCompleted', 'rolled_back', 'rollback completed'],
    ['paused', 'failed', 'update paused due to failure or early termination of task l7nqyhlpsdzrwz6kgj8v4xyi3'],
    ['rollbackStarted', 'in_progress', expect.stringContaining('rolled back due to failure')],
    ['none', 'none', 'no rolling update was needed'],
  ] as const)('%s -> %s', (key, outcome, message) => {
    expect(interpretUpdateStatus(parseUpdateStatus(CAPTURED[key]))).toEqual({
      outcome,
      state: key === 'none' ? null : JSON.parse(CAPTURED[key]).State,
      message,
    });
  });

  it('treats updating as in progress and rollback_paused as failed', () => {
    expect(interpretUpdateStatus({ State: 'updating', Message: 'update in progress' }).outcome).toBe('in_progress');
    expect(interpretUpdateStatus({ State: 'rollback_paused', Message: 'rollback paused' }).outcome).toBe('failed');
  });

  it('never reads an unknown state as success', () => {
    expect(interpretUpdateStatus({ State: 'teleported' })).toMatchObject({ outcome: 'failed', message: expect.stringContaining('teleported') });
  });

  it('parses empty and "<no value>" as no status', () => {
    expect(parseUpdateStatus('')).toBeNull();
    expect(parseUpdateStatus('<no value>')).toBeNull();
  });
});
