import { ArgumentMetadata } from '@nestjs/common';
import { IsString } from 'class-validator';
import { AppError } from './app-error';
import { Errors } from './error-codes';
import { createValidationPipe } from './validation';

class NameDto {
  @IsString()
  name: string;
}

const body: ArgumentMetadata = { type: 'body', metatype: NameDto };
const refusal = (value: unknown) => createValidationPipe().transform(value, body).then(() => null, (err: AppError) => err);

describe('createValidationPipe', () => {
  it('refuses a DTO body that is an array or a bare value as not an object, before building DTOs from it', async () => {
    for (const value of [[], [{}, {}, { name: 'x' }], 'x', 1, true, 0, '']) {
      const err = await refusal(value);
      expect(err).toBeInstanceOf(AppError);
      expect([err!.error, err!.message]).toEqual([Errors.VALIDATION_FAILED, 'Validation failed: the body must be a JSON object']);
    }
  });

  it('still reports a missing body (empty or null) and a wrong object field by field', async () => {
    for (const value of [undefined, null, {}, { name: 1 }]) {
      const err = await refusal(value);
      expect(err?.data).toEqual({ errors: [{ field: 'name', message: 'name must be a string' }] });
    }
    await expect(createValidationPipe().transform({ name: 'x' }, body)).resolves.toEqual({ name: 'x' });
  });

  it('leaves bodies without a DTO alone (the registry webhooks take any JSON)', async () => {
    await expect(createValidationPipe().transform([1, 'x'], { type: 'body', metatype: Object })).resolves.toEqual([1, 'x']);
    await expect(createValidationPipe().transform('x', { type: 'body' })).resolves.toBe('x');
  });
});
