import type { Deployment } from './types';

export type Tone = 'success' | 'error' | 'warning' | 'info' | 'default';

export const FINISHED = ['succeeded', 'failed', 'rolled_back', 'superseded', 'interrupted'];
export const isFinished = (d: Pick<Deployment, 'status'>) => FINISHED.includes(d.status);

export function statusTone(status: string): Tone {
  switch (status) {
    case 'succeeded':
      return 'success';
    case 'failed':
    case 'interrupted':
      return 'error';
    case 'rolled_back':
      return 'warning';
    case 'running':
      return 'info';
    default:
      return 'default';
  }
}

/** Milliseconds from start to finish (or to now while running); null before it starts. */
export function durationMs(d: Pick<Deployment, 'startedAt' | 'finishedAt'>, now = Date.now()): number | null {
  if (!d.startedAt) return null;
  const end = d.finishedAt ? Date.parse(d.finishedAt) : now;
  return Math.max(0, end - Date.parse(d.startedAt));
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** The image a deployment rolls to, as one reference. */
export function targetImage(d: Pick<Deployment, 'image' | 'tag' | 'digest'>): string | null {
  if (!d.image) return null;
  return `${d.image}${d.tag ? `:${d.tag}` : ''}${d.digest ? `@${d.digest}` : ''}`;
}

/**
 * Progress through a swarm update from docker's own output ("overall progress: 2 out of 3 tasks"),
 * 0-100; null when the output says nothing about it.
 */
export function progressOf(lines: readonly string[]): number | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /overall progress: (\d+) out of (\d+) tasks/.exec(lines[i]);
    if (m && Number(m[2]) > 0) return Math.round((100 * Number(m[1])) / Number(m[2]));
  }
  return null;
}
