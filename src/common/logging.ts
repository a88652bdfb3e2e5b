import type { LoggerService } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import pino, { DestinationStream, Level, Logger } from 'pino';
import { isColorSupported, prettyFactory } from 'pino-pretty';

/** Webhook URLs carry their secret in ?token=; it must never reach a log line. */
export function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(/([?&](?:token|refreshToken|access_token)=)[^&#]*/gi, '$1[REDACTED]');
}

export type LogFormat = 'json' | 'pretty';

/** LOG_FORMAT=auto: JSON lines for production and for machines reading stdout, readable lines for a person at a terminal. */
export function chooseLogFormat(setting: LogFormat | 'auto', production: boolean, stdoutIsTty: boolean): LogFormat {
  if (setting !== 'auto') return setting;
  return production || !stdoutIsTty ? 'json' : 'pretty';
}

/**
 * The process's logger, writing to stdout unless a destination is given (as tests do). Both formats
 * print the same redacted record: `pretty` only re-formats each JSON line pino has already made.
 */
export function createLogger(level: string, opts: { format?: LogFormat; destination?: DestinationStream } = {}): Logger {
  const destination = opts.format === 'pretty' ? prettyLines(opts.destination ?? process.stdout, opts.destination === undefined && isColorSupported) : opts.destination;
  return pino(
    {
      level,
      timestamp: pino.stdTimeFunctions.isoTime,
      // Nothing logs request bodies or headers; this is the net for a mistake that would.
      redact: { paths: ['*.password', '*.refreshToken', '*.authorization', '*.token', '*.headers'], remove: true },
    },
    destination,
  );
}

/** `[12:00:00.123] INFO: GET /health/ready 200 (2 ms)`; an error's stack and other fields follow on indented lines. */
function prettyLines(out: DestinationStream, colorize: boolean): DestinationStream {
  const format = prettyFactory({
    colorize,
    translateTime: 'SYS:HH:MM:ss.l',
    // The request line's message already says method, path and status.
    ignore: 'pid,hostname,req,res,responseTime,context',
    messageFormat: (log) =>
      `${log.context ? `[${String(log.context)}] ` : ''}${String(log.msg ?? '')}${typeof log.responseTime === 'number' ? ` (${log.responseTime} ms)` : ''}`,
    // A stack as its own indented lines, not one escaped string.
    customPrettifiers: { stack: (stack) => `\n${String(stack).replace(/^/gm, '  ')}` },
  });
  return { write: (line: string) => out.write(format(line)) };
}

/**
 * One line per request after its answer: method, path (secrets redacted), status, time. Headers and
 * bodies are never logged. A Fastify hook, not an HTTP middleware with per-request async context:
 * that costs a large share of each request here (see `npm run bench`).
 */
export function logRequests(fastify: FastifyInstance, logger: Logger): void {
  if (!logger.isLevelEnabled('info')) return;
  fastify.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const url = redactUrl(request.url);
    logger[status >= 500 ? 'error' : 'info'](
      { req: { id: request.id, method: request.method, url, remoteAddress: request.ip }, res: { statusCode: status }, responseTime: Math.round(reply.elapsedTime) },
      `${request.method} ${url} ${status}`,
    );
    done();
  });
}

/** Nest's own log calls (`new Logger(context).warn(...)`) as JSON lines of the same logger. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Nest passes (message, context) or, for errors, (message, stack, context). */
  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const strings = params.filter((p): p is string => typeof p === 'string');
    const context = strings.length ? strings[strings.length - 1] : undefined;
    const stack = strings.length > 1 ? strings[0] : undefined;
    const text = message instanceof Error ? message.message : typeof message === 'string' ? message : JSON.stringify(message);
    this.logger[level]({ context, ...(stack && { stack }), ...(message instanceof Error && { stack: message.stack }) }, text);
  }
}
