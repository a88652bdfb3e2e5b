import { TagPolicy, chooseTag, decideTag, formatTagPolicy, globMatches, parseTagPolicy } from './tag-policy';

function policy(text: string): TagPolicy {
  const parsed = parseTagPolicy(text);
  if ('error' in parsed) throw new Error(`expected ${text} to parse: ${parsed.error}`);
  return parsed.policy;
}

function parseError(text: string): string {
  const parsed = parseTagPolicy(text);
  if (!('error' in parsed)) throw new Error(`expected ${text} to be refused, got ${JSON.stringify(parsed.policy)}`);
  return parsed.error;
}

const allowed = { allowed: true };
const refused = (reason: string | RegExp) => ({ allowed: false, reason: typeof reason === 'string' ? reason : expect.stringMatching(reason) });

describe('parseTagPolicy / formatTagPolicy', () => {
  it.each([
    ['all', { kind: 'all' }],
    ['never', { kind: 'never' }],
    ['semver:major', { kind: 'semver', level: 'major', prerelease: false }],
    ['semver:minor', { kind: 'semver', level: 'minor', prerelease: false }],
    ['semver:patch+prerelease', { kind: 'semver', level: 'patch', prerelease: true }],
    ['glob:prod-*', { kind: 'glob', pattern: 'prod-*' }],
    ['glob:v?.*', { kind: 'glob', pattern: 'v?.*' }],
    ['regex:v[0-9]+(\\.[0-9]+)*', { kind: 'regex', pattern: 'v[0-9]+(\\.[0-9]+)*' }],
    // Only the first colon separates the kind.
    ['regex:a:b', { kind: 'regex', pattern: 'a:b' }],
  ])('%s parses and formats back to the same text', (text, expected) => {
    expect(parseTagPolicy(text)).toEqual({ policy: expected });
    expect(formatTagPolicy(expected as TagPolicy)).toBe(text);
  });

  it.each([
    ['', /empty/],
    ['sometimes', /unknown tag policy "sometimes"; use all, never, semver/],
    ['ALL', /unknown tag policy "ALL"/],
    ['all:', /all takes nothing after it/],
    ['never:ever', /never takes nothing after it/],
    ['semver', /semver needs a level/],
    ['semver:', /semver needs a level/],
    ['semver:micro', /semver needs a level/],
    ['semver:minor+rc', /semver needs a level/],
    ['semver:minor+prerelease+prerelease', /semver needs a level/],
    ['glob:', /glob needs a pattern/],
    ['glob', /glob needs a pattern/],
    ['glob:prod/*', /may only contain letters, digits/],
    ['glob:prod-[0-9]', /may only contain letters, digits/],
    ['regex:', /regex needs a pattern/],
    ['regex:(a', /^regex pattern \(a is invalid: missing closing \)/],
    ['regex:a{1001}', /invalid repeat count/],
    // Backreferences and lookarounds cannot run in linear time, so RE2 has none.
    ['regex:(a)\\1', /invalid escape sequence/],
    ['regex:(?=a)a', /is invalid/],
  ])('refuses %j', (text, message) => {
    expect(parseError(text)).toMatch(message);
  });

  it('refuses a policy longer than its 200-character column, the pattern included', () => {
    expect(parseTagPolicy(`glob:${'a'.repeat(195)}`)).toEqual({ policy: { kind: 'glob', pattern: 'a'.repeat(195) } });
    expect(parseError(`glob:${'a'.repeat(196)}`)).toBe('tag policy is longer than 200 characters');
    expect(parseError(`regex:${'a'.repeat(200)}`)).toBe('tag policy is longer than 200 characters');
  });
});

describe('decideTag', () => {
  it('all allows every tag, never refuses every tag', () => {
    expect(decideTag(policy('all'), 'latest', '1.0.0')).toEqual(allowed);
    expect(decideTag(policy('all'), '0.1.0', '1.0.0')).toEqual(allowed);
    expect(decideTag(policy('never'), '2.0.0', '1.0.0')).toEqual(refused('policy never: pushes do not roll this stack'));
    expect(decideTag(policy('never'), 'latest')).toEqual(refused('policy never: pushes do not roll this stack'));
  });

  describe('semver', () => {
    const major = policy('semver:major');
    const minor = policy('semver:minor');
    const patch = policy('semver:patch');

    it('refuses the same version and a downgrade', () => {
      expect(decideTag(major, '1.3.0', '1.3.0')).toEqual(refused('1.3.0 is not higher than the running 1.3.0'));
      expect(decideTag(major, '1.2.0', '1.3.0')).toEqual(refused('1.2.0 is not higher than the running 1.3.0'));
      expect(decideTag(major, '1.3.9', '1.10.0')).toEqual(refused('1.3.9 is not higher than the running 1.10.0'));
    });

    it('major allows any higher version', () => {
      expect(decideTag(major, '1.3.1', '1.3.0')).toEqual(allowed);
      expect(decideTag(major, '1.10.0', '1.9.0')).toEqual(allowed);
      expect(decideTag(major, '3.0.0', '1.3.0')).toEqual(allowed);
    });

    it('minor allows a higher minor or patch within the same major only', () => {
      expect(decideTag(minor, '1.4.0', '1.3.0')).toEqual(allowed);
      expect(decideTag(minor, '1.3.1', '1.3.0')).toEqual(allowed);
      expect(decideTag(minor, '2.0.0', '1.3.0')).toEqual(
        refused('2.0.0 changes the major version of the running 1.3.0; policy semver:minor allows only the same major version'),
      );
    });

    it('patch allows a higher patch within the same major.minor only', () => {
      expect(decideTag(patch, '1.3.5', '1.3.0')).toEqual(allowed);
      expect(decideTag(patch, '1.4.0', '1.3.0')).toEqual(
        refused('1.4.0 changes the minor version of the running 1.3.0; policy semver:patch allows only patch upgrades'),
      );
      expect(decideTag(patch, '2.3.0', '1.3.0')).toEqual(refused(/changes the major version/));
    });

    it('reads a leading v on either side as the same version', () => {
      expect(decideTag(minor, 'v1.4.0', '1.3.0')).toEqual(allowed);
      expect(decideTag(minor, '1.4.0', 'v1.3.0')).toEqual(allowed);
      expect(decideTag(minor, 'v1.3.0', '1.3.0')).toEqual(refused('v1.3.0 is not higher than the running 1.3.0'));
      expect(decideTag(minor, 'v2.0.0', 'v1.3.0')).toEqual(refused(/changes the major version of the running v1.3.0/));
    });

    it('refuses a pre-release unless +prerelease is given', () => {
      expect(decideTag(minor, '1.4.0-rc.1', '1.3.0')).toEqual(
        refused('1.4.0-rc.1 is a pre-release; policy semver:minor allows pre-releases only with +prerelease'),
      );
      const withPre = policy('semver:minor+prerelease');
      expect(decideTag(withPre, '1.4.0-rc.1', '1.3.0')).toEqual(allowed);
      expect(decideTag(withPre, '1.4.0-rc.2', '1.4.0-rc.1')).toEqual(allowed);
      expect(decideTag(withPre, '1.4.0-rc.10', '1.4.0-rc.9')).toEqual(allowed);
      expect(decideTag(withPre, '1.4.0', '1.4.0-rc.1')).toEqual(allowed);
    });

    it('counts a pre-release of the running version as a downgrade', () => {
      expect(decideTag(policy('semver:major+prerelease'), '1.3.0-rc.1', '1.3.0')).toEqual(
        refused('1.3.0-rc.1 is not higher than the running 1.3.0'),
      );
    });

    it('ignores build metadata in the ordering', () => {
      expect(decideTag(major, '1.3.0+build.2', '1.3.0+build.1')).toEqual(refused(/is not higher than the running 1.3.0\+build.1/));
      expect(decideTag(major, '1.3.0+build.2', '1.3.0')).toEqual(refused(/is not higher/));
      expect(decideTag(major, '1.3.1+build.1', '1.3.0+build.9')).toEqual(allowed);
    });

    it('allows any version when the running tag is not a version or unknown, but still not a pre-release', () => {
      expect(decideTag(patch, '0.0.1', 'latest')).toEqual(allowed);
      expect(decideTag(patch, '9.0.0', undefined)).toEqual(allowed);
      expect(decideTag(patch, '9.0.0')).toEqual(allowed);
      expect(decideTag(patch, '9.0.0-beta', 'latest')).toEqual(refused(/is a pre-release/));
      expect(decideTag(policy('semver:patch+prerelease'), '9.0.0-beta')).toEqual(allowed);
    });

    it.each(['latest', 'prod-1.4.6', '1.2', '1.2.3.4', '01.2.3', 'V1.2.3', 'sha-3f2a1b'])('refuses the non-version tag %s', (tag) => {
      expect(decideTag(major, tag, '1.0.0')).toEqual(refused(`tag ${tag} is not a version (policy semver:major)`));
    });
  });

  describe('glob', () => {
    const prod = policy('glob:prod-*');

    it('matches the whole tag', () => {
      expect(decideTag(prod, 'prod-1.4.6')).toEqual(allowed);
      expect(decideTag(prod, 'prod-')).toEqual(allowed);
      expect(decideTag(prod, 'xprod-1')).toEqual(refused('tag xprod-1 does not match glob prod-*'));
      expect(decideTag(prod, 'prod')).toEqual(refused('tag prod does not match glob prod-*'));
      expect(decideTag(prod, 'latest')).toEqual(refused('tag latest does not match glob prod-*'));
      expect(decideTag(policy('glob:*-prod'), 'v1-prod-x')).toEqual(refused(/does not match/));
    });

    it('? is exactly one character and a dot is a literal dot', () => {
      const v = policy('glob:v?.?');
      expect(decideTag(v, 'v1.2')).toEqual(allowed);
      expect(decideTag(v, 'v1x2')).toEqual(refused(/does not match glob v\?\.\?/));
      expect(decideTag(v, 'v1.')).toEqual(refused(/does not match/));
      expect(decideTag(v, 'v12.3')).toEqual(refused(/does not match/));
    });

    it.each([
      ['*', '', true],
      ['*', 'anything', true],
      ['a*b*c', 'abc', true],
      ['a*b*c', 'aXXbYYc', true],
      ['a*b*c', 'aXXbYYcZ', false],
      ['a*b', 'abab', true],
      ['*ab', 'aab', true],
      ['**a', 'a', true],
      ['?', '', false],
      ['?*', 'x', true],
      ['a?c', 'abc', true],
      ['abc', 'ABC', false],
    ])('globMatches(%j, %j) is %s', (pattern, tag, expected) => {
      expect(globMatches(pattern, tag)).toBe(expected);
    });

    it('stays fast on a pattern that makes a backtracking matcher explode', () => {
      const hostile = policy('glob:*a*a*a*a*a*a*a*b');
      const tag = 'a'.repeat(128);
      const start = performance.now();
      expect(decideTag(hostile, tag)).toEqual(refused(/does not match/));
      expect(performance.now() - start).toBeLessThan(200);
    });
  });

  describe('regex', () => {
    it('matches the whole tag, not a substring', () => {
      const p = policy('regex:prod-[0-9]+');
      expect(decideTag(p, 'prod-12')).toEqual(allowed);
      expect(decideTag(p, 'xprod-12')).toEqual(refused('tag xprod-12 does not match regex prod-[0-9]+'));
      expect(decideTag(p, 'prod-12x')).toEqual(refused(/does not match/));
    });

    it('anchors every alternative, not just the first and last', () => {
      const p = policy('regex:prod-.*|stable');
      expect(decideTag(p, 'stable')).toEqual(allowed);
      expect(decideTag(p, 'prod-1')).toEqual(allowed);
      expect(decideTag(p, 'stable-1')).toEqual(refused(/does not match/));
      expect(decideTag(p, 'xstable')).toEqual(refused(/does not match/));
    });

    it('accepts explicit anchors and case flags', () => {
      expect(decideTag(policy('regex:^v[0-9]+$'), 'v12')).toEqual(allowed);
      expect(decideTag(policy('regex:(?i)PROD'), 'prod')).toEqual(allowed);
      expect(decideTag(policy('regex:PROD'), 'prod')).toEqual(refused(/does not match/));
    });

    it('refuses every tag when a stored pattern no longer compiles', () => {
      expect(decideTag({ kind: 'regex', pattern: '(a' }, 'a')).toEqual(refused(/regex pattern \(a is invalid/));
    });

    // A backtracking engine (JS RegExp) takes seconds on (a+)+$ already at ~30 characters.
    it.each(['(a+)+$', '(a|aa)*b', '(a*)*b', '(.*a){20}', '(a|a?)+b'])('%s against 128 a and a mismatch completes in linear time', (pattern) => {
      const hostile = policy(`regex:${pattern}`);
      const tag = `${'a'.repeat(128)}!`;
      const start = performance.now();
      expect(decideTag(hostile, tag).allowed).toBe(false);
      expect(performance.now() - start).toBeLessThan(200);
    });
  });
});

describe('chooseTag', () => {
  it('for semver picks the highest allowed version, whatever the order', () => {
    const tags = ['1.3.1', 'latest', '1.4.0', '2.0.0', '1.3.5', '1.4.0-rc.1'];
    expect(chooseTag(policy('semver:minor'), tags, '1.3.0')).toEqual({ tag: '1.4.0' });
    expect(chooseTag(policy('semver:patch'), tags, '1.3.0')).toEqual({ tag: '1.3.5' });
    expect(chooseTag(policy('semver:major'), tags, '1.3.0')).toEqual({ tag: '2.0.0' });
    expect(chooseTag(policy('semver:major'), ['v1.10.0', 'v1.9.0'], 'latest')).toEqual({ tag: 'v1.10.0' });
  });

  it('otherwise picks the last allowed tag', () => {
    expect(chooseTag(policy('all'), ['a', 'b', 'c'])).toEqual({ tag: 'c' });
    expect(chooseTag(policy('glob:prod-*'), ['prod-1', 'prod-2', 'latest'])).toEqual({ tag: 'prod-2' });
    expect(chooseTag(policy('regex:v[0-9]+'), ['v2', 'v10', 'main'])).toEqual({ tag: 'v10' });
  });

  it('gives every distinct reason when no tag is allowed', () => {
    expect(chooseTag(policy('semver:minor'), ['1.2.0', 'latest', '2.0.0'], '1.3.0')).toEqual({
      refused:
        '1.2.0 is not higher than the running 1.3.0; tag latest is not a version (policy semver:minor); ' +
        '2.0.0 changes the major version of the running 1.3.0; policy semver:minor allows only the same major version',
    });
    expect(chooseTag(policy('never'), ['a', 'b'])).toEqual({ refused: 'policy never: pushes do not roll this stack' });
    expect(chooseTag(policy('all'), [])).toEqual({ refused: 'the delivery names no tag' });
  });
});
