import type { FastifyReply, FastifyRequest } from 'fastify';
import { Observable } from 'rxjs';
import { DeploymentDto } from './dto/deployment.dto';
import { LiveEvent } from './live-output';

const HEARTBEAT_MS = 15_000;

/** One server-sent event; `data` lines cannot hold a newline, and docker's lines have none. */
export function formatEvent(event: LiveEvent): string {
  if (event.type === 'line') return `event: line\nid: ${event.seq}\ndata: ${event.line.replace(/[\r\n]/g, ' ')}\n\n`;
  return `event: status\ndata: ${JSON.stringify(DeploymentDto.from(event.deployment))}\n\n`;
}

/**
 * Streams deployment events as text/event-stream on the raw reply (outside the JSON envelope), with a
 * comment heartbeat so proxies keep the connection open, until the final status or the client leaves.
 */
export function sendEventStream(request: FastifyRequest, reply: FastifyReply, events: Observable<LiveEvent>): void {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  raw.write(': deployment events\n\n');
  const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
  const end = () => {
    clearInterval(heartbeat);
    if (!raw.writableEnded) raw.end();
  };
  const subscription = events.subscribe({
    next: (event) => raw.write(formatEvent(event)),
    error: () => {
      raw.write(`event: error\ndata: ${JSON.stringify({ message: 'the event stream failed' })}\n\n`);
      end();
    },
    complete: end,
  });
  request.raw.on('close', () => {
    subscription.unsubscribe();
    end();
  });
}
