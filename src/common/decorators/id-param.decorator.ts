import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { AppError } from '../app-error';
import { ErrorDef } from '../error-codes';

/** A numeric path id; anything else names nothing: the given 404. Read raw, before any conversion. */
export const IdParam = createParamDecorator((spec: { name: string; notFound: ErrorDef }, ctx: ExecutionContext): number => {
  const value: unknown = ctx.switchToHttp().getRequest<{ params: Record<string, unknown> }>().params[spec.name];
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) throw new AppError(spec.notFound);
  return Number(value);
});
