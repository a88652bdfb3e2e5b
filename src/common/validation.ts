import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { ValidateIf } from 'class-validator';
import { AppError, FieldError } from './app-error';
import { Errors } from './error-codes';

const ZH_CONSTRAINTS: Record<string, string> = {
  whitelistValidation: '不允许的字段',
  isDefined: '不能为空',
  isNotEmpty: '不能为空',
  isString: '必须是字符串',
  isInt: '必须是整数',
  isNumber: '必须是数字',
  isBoolean: '必须是布尔值',
  isIn: '取值不在允许范围内',
  isEnum: '取值不在允许范围内',
  min: '数值过小',
  max: '数值过大',
  minLength: '长度过短',
  maxLength: '长度过长',
  isLength: '长度不符合要求',
  matches: '格式不正确',
  isTagPolicy: '不是有效的标签策略（all、never、semver:major|minor|patch[+prerelease]、glob:<模式> 或 regex:<模式>）',
};

function flatten(errors: ValidationError[], prefix = ''): { field: string; constraints: Record<string, string> }[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, constraints: e.constraints }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** Turns class-validator errors into one VALIDATION_FAILED error naming every offending field. */
export function validationError(errors: ValidationError[]): AppError {
  const flat = flatten(errors);
  const fields: FieldError[] = flat.map(({ field, constraints }) => ({
    field,
    message: Object.values(constraints).join('; '),
  }));
  const zh = flat.map(({ field, constraints }) => {
    const reasons = Object.keys(constraints).map((k) => ZH_CONSTRAINTS[k] ?? '无效');
    return `${field}: ${[...new Set(reasons)].join('，')}`;
  });
  return new AppError(
    Errors.VALIDATION_FAILED,
    { zh: zh.join('；'), en: fields.map((f) => `${f.field}: ${f.message}`).join('; ') },
    { errors: fields },
  );
}

/**
 * A body bound to a DTO must be a JSON object. An array would otherwise be validated as an object
 * keyed by index, one DTO built and one error reported per element (a 1 MiB `[{},{},...]` took
 * seconds and answered 7 MB); a bare string, number or boolean would be reported as missing fields.
 */
class DtoValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const notAnObject = value !== undefined && value !== null && (typeof value !== 'object' || Array.isArray(value));
    if (metadata.type === 'body' && notAnObject && metadata.metatype && this.toValidate(metadata)) {
      throw new AppError(Errors.VALIDATION_FAILED, { zh: '请求体必须是 JSON 对象', en: 'the body must be a JSON object' }, { errors: [] });
    }
    return super.transform(value, metadata);
  }
}

export function createValidationPipe(): ValidationPipe {
  return new DtoValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    // Query strings are strings; DTOs convert with explicit @Type/@Transform, not implicitly.
    transformOptions: { enableImplicitConversion: false },
    exceptionFactory: validationError,
    validationError: { target: false, value: false },
  });
}

/**
 * Optional, but not nullable: a field left out is skipped, an explicit `null` is validated (and so
 * refused with a 400) instead of reaching the database as "no value".
 */
export const OptionalNotNull = () => ValidateIf((_object: object, value: unknown) => value !== undefined);
