import type { Params } from 'nestjs-pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppConfig } from '../config/app.config';

/** Webhook URLs carry their secret in ?token=; it must never reach a log line. */
export function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(/([?&](?:token|refreshToken|access_token)=)[^&#]*/gi, '$1[REDACTED]');
}

/** One JSON line per request with method, path, status and time; no headers, bodies or secrets. */
export function loggerParams(app: AppConfig): Params {
  return {
    pinoHttp: {
      level: app.logLevel,
      redact: { paths: ['req.headers', 'res.headers', '*.password', '*.refreshToken', '*.authorization', '*.token'], remove: true },
      serializers: {
        req: (req: IncomingMessage & { id?: unknown; raw?: IncomingMessage }) => ({
          id: req.id,
          method: req.method,
          url: redactUrl(req.url),
          remoteAddress: req.socket?.remoteAddress,
        }),
        res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
      },
      customSuccessMessage: (req, res) => `${req.method} ${redactUrl(req.url)} ${res.statusCode}`,
      customErrorMessage: (req, res) => `${req.method} ${redactUrl(req.url)} ${res.statusCode}`,
      quietReqLogger: true,
    },
  };
}
