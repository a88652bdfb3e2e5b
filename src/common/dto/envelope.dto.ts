import { applyDecorators, Type } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiProperty, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ErrorDef } from '../error-codes';

export class EnvelopeDto {
  @ApiProperty({ example: 0, description: '0 on success' })
  code: number;
  @ApiProperty({ example: '成功' })
  message: string;
}

export class ErrorEnvelopeDto {
  @ApiProperty({ example: 40000, description: 'Stable error code (see docs/errors.md)' })
  code: number;
  @ApiProperty({ example: '参数校验失败: username: 长度过短' })
  message: string;
  @ApiProperty({ required: false, example: { errors: [{ field: 'username', message: 'username must be longer than or equal to 3 characters' }] } })
  data?: unknown;
}

/**
 * Documents a success envelope whose data is `model` (or an array of it, or a plain type); several
 * models: data is one of them (a query flag chooses).
 */
export function ApiEnvelope(model?: Type<unknown> | Type<unknown>[] | 'string' | 'string[]', opts: { isArray?: boolean; status?: number } = {}) {
  let data: Record<string, unknown> | undefined;
  if (model === 'string') data = { type: 'string' };
  else if (model === 'string[]') data = { type: 'array', items: { type: 'string' } };
  else if (Array.isArray(model)) data = { oneOf: model.map((m) => ({ $ref: getSchemaPath(m) })) };
  else if (model) data = opts.isArray ? { type: 'array', items: { $ref: getSchemaPath(model) } } : { $ref: getSchemaPath(model) };
  const schema = { allOf: [{ $ref: getSchemaPath(EnvelopeDto) }, ...(data ? [{ properties: { data } }] : [])] };
  const models = Array.isArray(model) ? model : model && typeof model !== 'string' ? [model] : [];
  const decorators = [ApiExtraModels(EnvelopeDto, ...models)];
  decorators.push(opts.status ? ApiResponse({ status: opts.status, schema }) : ApiOkResponse({ schema }));
  return applyDecorators(...decorators);
}

/** Documents the error envelopes a route can answer with. */
export function ApiErrors(...errors: ErrorDef[]) {
  const byStatus = new Map<number, ErrorDef[]>();
  for (const e of errors) byStatus.set(e.status, [...(byStatus.get(e.status) ?? []), e]);
  return applyDecorators(
    ApiExtraModels(ErrorEnvelopeDto),
    ...[...byStatus].map(([status, defs]) =>
      ApiResponse({
        status,
        description: defs.map((d) => `${d.code}: ${d.en}`).join('; '),
        schema: { $ref: getSchemaPath(ErrorEnvelopeDto) },
      }),
    ),
  );
}
