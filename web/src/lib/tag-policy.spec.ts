import { composeTagPolicy, parseTagPolicy, randomSecret } from './tag-policy';

describe('tag policy form', () => {
  it.each(['all', 'never', 'semver:major', 'semver:minor+prerelease', 'semver:patch', 'glob:prod-*', 'regex:^v[0-9]+:x$'])('round-trips %s', (text) => {
    expect(composeTagPolicy(parseTagPolicy(text))).toBe(text);
  });

  it('reads a missing policy as all and splits a regex at its first colon only', () => {
    expect(parseTagPolicy(undefined).kind).toBe('all');
    expect(parseTagPolicy('regex:a:b')).toMatchObject({ kind: 'regex', pattern: 'a:b' });
  });

  it('trims the pattern', () => {
    expect(composeTagPolicy({ kind: 'glob', level: 'minor', prerelease: false, pattern: ' prod-* ' })).toBe('glob:prod-*');
  });

  it('generates 64 hex characters, different each time', () => {
    const a = randomSecret();
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(randomSecret()).not.toBe(a);
  });
});
