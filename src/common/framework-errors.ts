import { Logger } from '@nestjs/common';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from './app-error';
import { toErrorEnvelope } from './all-exceptions.filter';
import { sendError } from './envelope';
import { ErrorDef, Errors } from './error-codes';
import { prefersEnglish } from './i18n';

const KNOWN: Record<string, ErrorDef> = {
  FST_ERR_BAD_URL: Errors.BAD_URL,
  FST_ERR_MAX_PARAM_LENGTH: Errors.URL_TOO_LONG,
};

const logger = new Logger('Exceptions');

/**
 * Fastify's `frameworkErrors`: a URL the router cannot take (bad percent-encoding, a path parameter
 * longer than maxParamLength) is answered by Fastify itself, before any hook or Nest filter, and
 * would otherwise get Fastify's own JSON instead of the envelope.
 */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const known = KNOWN[error.code];
  const { status, body } = toErrorEnvelope(known ? new AppError(known) : error, prefersEnglish(request.headers['accept-language']), logger);
  void sendError(reply, status, body);
}
