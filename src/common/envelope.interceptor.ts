import { CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { Observable, map } from 'rxjs';
import { prefersEnglish, SUCCESS_MESSAGE } from './i18n';

const RAW_RESPONSE = 'rawResponse';
/** Marks a handler whose response is not wrapped in the envelope (event streams, metrics). */
export const RawResponse = () => SetMetadata(RAW_RESPONSE, true);

/** Wraps every handler result as {code: 0, message: "成功", data}. */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (this.reflector.getAllAndOverride<boolean>(RAW_RESPONSE, [context.getHandler(), context.getClass()])) {
      return next.handle();
    }
    const english = prefersEnglish(context.switchToHttp().getRequest<FastifyRequest>().headers['accept-language']);
    const message = english ? SUCCESS_MESSAGE.en : SUCCESS_MESSAGE.zh;
    return next.handle().pipe(map((data) => ({ code: 0, message, data })));
  }
}
