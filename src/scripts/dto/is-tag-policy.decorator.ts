import { ValidationArguments, ValidationOptions, registerDecorator } from 'class-validator';
import { parseTagPolicy } from '../tag-policy';

/** A tag policy's text form (see parseTagPolicy); the parse error is the validation message. */
export function IsTagPolicy(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isTagPolicy',
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && 'policy' in parseTagPolicy(value),
        defaultMessage: ({ property, value }: ValidationArguments) => {
          if (typeof value !== 'string') return `${property} must be a string`;
          const parsed = parseTagPolicy(value);
          return 'error' in parsed ? parsed.error : `${property} is not a tag policy`;
        },
      },
    });
  };
}
