import { durationMs, formatDuration, progressOf, statusTone, targetImage } from './outcome';

describe('deployment outcome helpers', () => {
  it('reads progress from the newest "overall progress" line', () => {
    expect(progressOf(['overall progress: 0 out of 2 tasks', '1/2: running', 'overall progress: 1 out of 2 tasks'])).toBe(50);
    expect(progressOf(['Creating service x_web'])).toBeNull();
  });

  it('measures and formats durations', () => {
    expect(durationMs({ startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:01:05.000Z' })).toBe(65_000);
    expect(durationMs({ startedAt: null, finishedAt: null })).toBeNull();
    expect(formatDuration(65_000)).toBe('1 min 5 s');
    expect(formatDuration(250)).toBe('250 ms');
  });

  it('names the target image and the tone of each status', () => {
    expect(targetImage({ image: 'halohub/halo', tag: '2', digest: null })).toBe('halohub/halo:2');
    expect(targetImage({ image: null, tag: null, digest: null })).toBeNull();
    expect(statusTone('rolled_back')).toBe('warning');
    expect(statusTone('failed')).toBe('error');
  });
});
