import { RE2JS } from 're2js';
import { SemVer, compare as compareVersions, parse as parseVersion } from 'semver';

/** Which pushed tags may roll a stack. Stored and sent as text; see parseTagPolicy for the syntax. */
export type TagPolicy =
  | { kind: 'all' }
  | { kind: 'never' }
  | { kind: 'semver'; level: SemverLevel; prerelease: boolean }
  | { kind: 'glob'; pattern: string }
  | { kind: 'regex'; pattern: string };

export type SemverLevel = 'major' | 'minor' | 'patch';

export const DEFAULT_TAG_POLICY = 'all';
/** The scripts column is varchar(200). */
export const TAG_POLICY_MAX_LENGTH = 200;

export type TagDecision = { allowed: true } | { allowed: false; reason: string };

const SYNTAX = 'all, never, semver:major|minor|patch (optionally +prerelease), glob:<pattern> or regex:<pattern>';
const LEVELS: readonly string[] = ['major', 'minor', 'patch'] satisfies SemverLevel[];
/** Docker's tag characters, plus the two wildcards: any other character could never match a tag. */
const GLOB_PATTERN = /^[A-Za-z0-9_.\-*?]+$/;

/** Parses the text form; returns { error } in plain English for anything invalid. */
export function parseTagPolicy(text: string): { policy: TagPolicy } | { error: string } {
  if (text === '') return { error: `tag policy is empty; use ${SYNTAX}` };
  if (text.length > TAG_POLICY_MAX_LENGTH) return { error: `tag policy is longer than ${TAG_POLICY_MAX_LENGTH} characters` };
  const colon = text.indexOf(':');
  const kind = colon < 0 ? text : text.slice(0, colon);
  const argument = colon < 0 ? undefined : text.slice(colon + 1);
  switch (kind) {
    case 'all':
    case 'never':
      return argument === undefined ? { policy: { kind } } : { error: `tag policy ${kind} takes nothing after it` };
    case 'semver': {
      const [level, suffix, ...rest] = (argument ?? '').split('+');
      if (!LEVELS.includes(level) || (suffix !== undefined && suffix !== 'prerelease') || rest.length > 0) {
        return { error: `tag policy semver needs a level: semver:major, semver:minor or semver:patch, optionally followed by +prerelease` };
      }
      return { policy: { kind: 'semver', level: level as SemverLevel, prerelease: suffix !== undefined } };
    }
    case 'glob':
      if (!argument) return { error: 'tag policy glob needs a pattern, e.g. glob:prod-*' };
      if (!GLOB_PATTERN.test(argument)) {
        return { error: `glob pattern ${argument} may only contain letters, digits, _ . - and the wildcards * and ?` };
      }
      return { policy: { kind: 'glob', pattern: argument } };
    case 'regex': {
      if (!argument) return { error: 'tag policy regex needs a pattern, e.g. regex:v[0-9]+' };
      const compiled = compileRegex(argument);
      return 'error' in compiled ? compiled : { policy: { kind: 'regex', pattern: argument } };
    }
    default:
      return { error: `unknown tag policy ${JSON.stringify(kind)}; use ${SYNTAX}` };
  }
}

export function formatTagPolicy(policy: TagPolicy): string {
  switch (policy.kind) {
    case 'all':
    case 'never':
      return policy.kind;
    case 'semver':
      return `semver:${policy.level}${policy.prerelease ? '+prerelease' : ''}`;
    case 'glob':
    case 'regex':
      return `${policy.kind}:${policy.pattern}`;
  }
}

export function decideTag(policy: TagPolicy, pushedTag: string, runningTag?: string): TagDecision {
  return tagDecider(policy, runningTag)(pushedTag);
}

/**
 * For a delivery naming several tags (e.g. Quay's updated_tags): the one tag to roll to (for semver
 * the highest allowed version; otherwise the last allowed one), or the refusal reasons when none is.
 */
export function chooseTag(policy: TagPolicy, pushedTags: string[], runningTag?: string): { tag: string } | { refused: string } {
  if (pushedTags.length === 0) return { refused: 'the delivery names no tag' };
  const decide = tagDecider(policy, runningTag);
  const allowed: string[] = [];
  const reasons = new Set<string>();
  for (const tag of pushedTags) {
    const decision = decide(tag);
    if (decision.allowed) allowed.push(tag);
    else reasons.add(decision.reason);
  }
  if (allowed.length === 0) return { refused: [...reasons].join('; ') };
  if (policy.kind !== 'semver') return { tag: allowed[allowed.length - 1] };
  // Every allowed tag parsed as a version; on a tie (1.2.3 and v1.2.3) the later one wins, as above.
  return { tag: allowed.reduce((best, tag) => (compareVersions(tag, best) >= 0 ? tag : best)) };
}

/** The policy's rule for one running tag, compiled once (a regex) and applied to each pushed tag. */
function tagDecider(policy: TagPolicy, runningTag: string | undefined): (tag: string) => TagDecision {
  switch (policy.kind) {
    case 'all':
      return () => ({ allowed: true });
    case 'never':
      return () => refuse('policy never: pushes do not roll this stack');
    case 'semver': {
      const running = runningTag === undefined ? null : parseVersion(runningTag);
      return (tag) => decideVersion(policy, tag, running);
    }
    case 'glob':
      return (tag) => (globMatches(policy.pattern, tag) ? { allowed: true } : refuse(`tag ${tag} does not match glob ${policy.pattern}`));
    case 'regex': {
      const compiled = compileRegex(policy.pattern);
      if ('error' in compiled) return () => refuse(compiled.error);
      return (tag) => (compiled.regex.matches(tag) ? { allowed: true } : refuse(`tag ${tag} does not match regex ${policy.pattern}`));
    }
  }
}

function decideVersion(policy: Extract<TagPolicy, { kind: 'semver' }>, tag: string, running: SemVer | null): TagDecision {
  const name = formatTagPolicy(policy);
  const pushed = parseVersion(tag);
  if (!pushed) return refuse(`tag ${tag} is not a version (policy ${name})`);
  if (pushed.prerelease.length > 0 && !policy.prerelease) {
    return refuse(`${tag} is a pre-release; policy ${name} allows pre-releases only with +prerelease`);
  }
  // A running `latest` (or nothing known) leaves nothing to downgrade from.
  if (!running) return { allowed: true };
  if (compareVersions(pushed, running) <= 0) return refuse(`${tag} is not higher than the running ${running.raw}`);
  if (policy.level !== 'major' && pushed.major !== running.major) {
    return refuse(`${tag} changes the major version of the running ${running.raw}; policy ${name} allows only the same major version`);
  }
  if (policy.level === 'patch' && pushed.minor !== running.minor) {
    return refuse(`${tag} changes the minor version of the running ${running.raw}; policy ${name} allows only patch upgrades`);
  }
  return { allowed: true };
}

/**
 * Whole-tag wildcard match: `*` any run of characters, `?` exactly one. Two pointers that return to
 * the last `*` on a mismatch, so time stays O(tag × pattern) whatever the pattern (no backtracking).
 */
export function globMatches(pattern: string, tag: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1; // index in pattern of the last `*` seen
  let resume = 0; // index in tag that `*` has absorbed up to
  while (t < tag.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === tag[t])) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** RE2 syntax, matched in linear time: https://github.com/google/re2/wiki/Syntax */
function compileRegex(pattern: string): { regex: RE2JS } | { error: string } {
  try {
    return { regex: RE2JS.compile(pattern) };
  } catch (e) {
    const detail = e instanceof Error ? e.message.replace(/^error parsing regexp: /, '') : String(e);
    return { error: `regex pattern ${pattern} is invalid: ${detail}` };
  }
}

function refuse(reason: string): TagDecision {
  return { allowed: false, reason };
}
