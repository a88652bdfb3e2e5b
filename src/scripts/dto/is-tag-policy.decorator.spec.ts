import { IsOptional, validate } from 'class-validator';
import { validationError } from '../../common/validation';
import { IsTagPolicy } from './is-tag-policy.decorator';

class PolicyDto {
  @IsOptional()
  @IsTagPolicy()
  tagPolicy?: unknown;
}

function dto(tagPolicy: unknown): PolicyDto {
  return Object.assign(new PolicyDto(), { tagPolicy });
}

describe('@IsTagPolicy', () => {
  it.each(['all', 'never', 'semver:minor+prerelease', 'glob:prod-*', 'regex:v[0-9]+'])('accepts %s', async (text) => {
    await expect(validate(dto(text))).resolves.toEqual([]);
  });

  it('leaves a missing value to @IsOptional', async () => {
    await expect(validate(dto(undefined))).resolves.toEqual([]);
  });

  it.each([
    ['semver:micro', 'tag policy semver needs a level: semver:major, semver:minor or semver:patch, optionally followed by +prerelease'],
    ['regex:(a', 'regex pattern (a is invalid: missing closing ): `(a`'],
    ['', 'tag policy is empty; use all, never, semver:major|minor|patch (optionally +prerelease), glob:<pattern> or regex:<pattern>'],
    [42, 'tagPolicy must be a string'],
  ])('refuses %j with the parse error as its message', async (value, message) => {
    const errors = await validate(dto(value));
    expect(errors).toHaveLength(1);
    expect(errors[0].constraints).toEqual({ isTagPolicy: message });
  });

  it('reaches the API error in both languages', async () => {
    const error = validationError(await validate(dto('sometimes')));
    expect(error.detail?.en).toBe('tagPolicy: unknown tag policy "sometimes"; use all, never, semver:major|minor|patch (optionally +prerelease), glob:<pattern> or regex:<pattern>');
    expect(error.detail?.zh).toMatch(/^tagPolicy: 不是有效的标签策略/);
  });
});
