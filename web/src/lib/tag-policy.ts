/** The tag policy text the API takes (`all`, `never`, `semver:minor+prerelease`, `glob:prod-*`, `regex:v[0-9]+`) as form fields. */
export type TagPolicyKind = 'all' | 'never' | 'semver' | 'glob' | 'regex';
export type SemverLevel = 'major' | 'minor' | 'patch';

export interface TagPolicyForm {
  kind: TagPolicyKind;
  level: SemverLevel;
  prerelease: boolean;
  pattern: string;
}

export const blankTagPolicy = (): TagPolicyForm => ({ kind: 'all', level: 'minor', prerelease: false, pattern: '' });

export function parseTagPolicy(text: string | null | undefined): TagPolicyForm {
  const form = blankTagPolicy();
  const value = text ?? 'all';
  if (value === 'all' || value === 'never') return { ...form, kind: value };
  const semver = /^semver:(major|minor|patch)(\+prerelease)?$/.exec(value);
  if (semver) return { ...form, kind: 'semver', level: semver[1] as SemverLevel, prerelease: Boolean(semver[2]) };
  const colon = value.indexOf(':');
  const kind = value.slice(0, colon);
  if (kind === 'glob' || kind === 'regex') return { ...form, kind, pattern: value.slice(colon + 1) };
  // The API accepts no other text; should one appear, show it whole rather than drop it.
  return { ...form, kind: 'glob', pattern: value };
}

export function composeTagPolicy(form: TagPolicyForm): string {
  switch (form.kind) {
    case 'semver':
      return `semver:${form.level}${form.prerelease ? '+prerelease' : ''}`;
    case 'glob':
    case 'regex':
      return `${form.kind}:${form.pattern.trim()}`;
    default:
      return form.kind;
  }
}

/** 32 random bytes as 64 hex characters: within the API's 16-256 printable ASCII. */
export function randomSecret(bytes = 32): string {
  const buf = new Uint8Array(bytes);
  crypto.getRandomValues(buf);
  return Array.from(buf, (b) => b.toString(16).padStart(2, '0')).join('');
}
