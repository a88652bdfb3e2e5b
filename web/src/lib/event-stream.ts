/** One server-sent event as the deployment stream sends it. */
export interface StreamEvent {
  event: string;
  id?: string;
  data: string;
}

/**
 * Splits a text/event-stream into events. EventSource cannot send an authorization header, so the
 * dashboard reads the stream with fetch and parses it here: `event:`, `id:`, `data:` lines, a blank
 * line ends an event, `:` lines are comments (heartbeats).
 */
export class EventStreamParser {
  private buffer = '';
  private current: Partial<StreamEvent> & { data?: string } = {};

  push(chunk: string): StreamEvent[] {
    this.buffer += chunk;
    const out: StreamEvent[] = [];
    let newline: number;
    while ((newline = this.buffer.search(/\r\n|\n|\r/)) >= 0) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + (this.buffer.startsWith('\r\n', newline) ? 2 : 1));
      if (line === '') {
        if (this.current.data !== undefined) out.push({ event: this.current.event ?? 'message', id: this.current.id, data: this.current.data });
        this.current = {};
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') this.current.data = this.current.data === undefined ? value : `${this.current.data}\n${value}`;
      else if (field === 'event') this.current.event = value;
      else if (field === 'id') this.current.id = value;
    }
    return out;
  }
}
