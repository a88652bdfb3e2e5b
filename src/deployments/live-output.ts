import type { Deployment } from './entities/deployment.entity';

/** At most this many lines are kept per deployment (the newest); older ones are counted, not stored. */
export const MAX_STORED_LINES = 2000;
/** A longer line is cut (docker never prints such lines; this bounds a hostile or broken one). */
export const MAX_LINE_LENGTH = 4000;

export type LiveEvent = { type: 'line'; seq: number; line: string } | { type: 'status'; deployment: Deployment };

/** The output of a running deployment, kept in memory for live subscribers and periodic saving. */
export class LiveOutput {
  private lines: string[] = [];
  private total = 0;
  private readonly listeners = new Set<(event: LiveEvent) => void>();
  private finished?: Deployment;

  push(raw: string): void {
    const line = raw.length > MAX_LINE_LENGTH ? `${raw.slice(0, MAX_LINE_LENGTH)}...` : raw;
    this.lines.push(line);
    if (this.lines.length > MAX_STORED_LINES) this.lines.splice(0, this.lines.length - MAX_STORED_LINES);
    this.total++;
    for (const listener of this.listeners) listener({ type: 'line', seq: this.total, line });
  }

  /** The kept lines and the sequence number of the last one (lines are numbered from 1). */
  snapshot(): { lines: string[]; total: number } {
    return { lines: [...this.lines], total: this.total };
  }

  /** Everything a subscriber needs, then live events until the status; returns the unsubscribe. */
  listen(listener: (event: LiveEvent) => void): () => void {
    if (this.finished) {
      listener({ type: 'status', deployment: this.finished });
      return () => undefined;
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  finish(deployment: Deployment): void {
    this.finished = deployment;
    for (const listener of this.listeners) listener({ type: 'status', deployment });
    this.listeners.clear();
  }
}

/** The stored form: kept lines joined by newlines. */
export const storeLines = (lines: string[]) => (lines.length ? lines.join('\n') : null);
export const storedLines = (output: string | null) => (output ? output.split('\n') : []);
