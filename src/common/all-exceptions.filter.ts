import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from './app-error';
import { sendError } from './envelope';
import { ErrorDef, Errors } from './error-codes';
import { prefersEnglish } from './i18n';

const BY_STATUS: Record<number, ErrorDef> = {
  400: Errors.BAD_REQUEST,
  401: Errors.UNAUTHENTICATED,
  403: Errors.FORBIDDEN,
  404: Errors.NOT_FOUND,
  409: Errors.CONFLICT,
  413: Errors.PAYLOAD_TOO_LARGE,
  415: Errors.UNSUPPORTED_MEDIA_TYPE,
  429: Errors.TOO_MANY_REQUESTS,
  503: Errors.SERVICE_UNAVAILABLE,
};

export interface ErrorEnvelope {
  status: number;
  body: { code: number; message: string; data?: unknown };
}

/** Maps anything thrown to the one error envelope; unknown errors become a generic 500. */
export function toErrorEnvelope(exception: unknown, english: boolean, logger?: Logger): ErrorEnvelope {
  const render = (e: ErrorDef, detail?: { zh: string; en: string }, data?: unknown): ErrorEnvelope => {
    const base = english ? e.en : e.zh;
    const extra = detail ? (english ? detail.en : detail.zh) : undefined;
    return { status: e.status, body: { code: e.code, message: extra ? `${base}: ${extra}` : base, data } };
  };
  if (exception instanceof AppError) {
    const rendered = render(exception.error, exception.detail, exception.data);
    return exception.status ? { ...rendered, status: exception.status } : rendered;
  }

  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    // Our errors raised inside Fastify hooks (the body parser) come back wrapped by Nest as
    // HttpException(message, status); recognise them by their catalogue text.
    const own = Object.values(Errors).find((e) => e.status === status && e.en === exception.message);
    if (own) return render(own);
    const known = BY_STATUS[status];
    if (known) return render(known);
    if (status < 500) return { status, body: { code: status * 100, message: english ? exception.message : '请求无效' } };
  }
  logger?.error(exception instanceof Error ? exception.stack ?? exception.message : String(exception));
  return render(Errors.INTERNAL);
}

@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const request = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    const { status, body } = toErrorEnvelope(exception, prefersEnglish(request?.headers?.['accept-language']), this.logger);
    if (reply.sent) return;
    void sendError(reply, status, body);
  }
}
