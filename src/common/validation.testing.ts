import { ArgumentMetadata } from '@nestjs/common';
import { AppError } from './app-error';
import { createValidationPipe } from './validation';

/** The fields the app's validation pipe refuses in `value` as a body of `metatype` ([] when valid). For specs. */
export const fieldsRefused = (metatype: ArgumentMetadata['metatype'], value: object): Promise<string[]> =>
  createValidationPipe()
    .transform(value, { type: 'body', metatype })
    .then(
      () => [],
      (err: AppError) => (err.data as { errors: { field: string }[] }).errors.map((e) => e.field),
    );
