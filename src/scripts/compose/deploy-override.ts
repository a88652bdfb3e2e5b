import { stringify } from 'yaml';
import type { Labels } from '../../swarm/stack-ownership';
import { ComposeFile, isMap } from './compose-file';

/** Compose file versions before 3.5 have no `name:` on secrets, which a stack secret needs. */
const SECRET_NAME_MIN_VERSION = [3, 5];

export interface OverrideInput {
  /** Set on every service (`deploy.labels`): who owns the stack. */
  serviceLabels: Labels;
  /** Set on the stack's own volumes, which outlive the stack. */
  volumeLabels: Labels;
  /** Stack secrets the file uses, by compose key: the versioned swarm secret each stands for. */
  secrets: Record<string, string>;
}

/** The compose file's `version` as numbers; undefined when it declares none (the newest schema applies). */
function declaredVersion(compose: ComposeFile): number[] | undefined {
  const v = compose.root.version;
  return v === undefined || v === null ? undefined : String(v).split('.').map(Number);
}

/** False when a stack secret cannot be used because the file's declared version is too old. */
export function supportsStackSecrets(compose: ComposeFile): boolean {
  const v = declaredVersion(compose);
  if (!v) return true;
  const [major = 0, minor = 0] = v;
  return major > SECRET_NAME_MIN_VERSION[0] || (major === SECRET_NAME_MIN_VERSION[0] && minor >= SECRET_NAME_MIN_VERSION[1]);
}

/**
 * A second compose file that `docker stack deploy -c user.yml -c this.yml` merges over the user's:
 * ownership labels on every service and own volume, and each stack secret pointed at its current
 * version. The user's file is deployed as written; docker refuses files of different versions, so
 * this one declares the same.
 */
export function buildDeployOverride(compose: ComposeFile, input: OverrideInput): string {
  const out: Record<string, unknown> = {};
  if (compose.root.version !== undefined && compose.root.version !== null) out.version = String(compose.root.version);
  out.services = Object.fromEntries(compose.serviceNames.map((s) => [s, { deploy: { labels: input.serviceLabels } }]));
  const volumes = isMap(compose.root.volumes) ? compose.root.volumes : {};
  const own = Object.entries(volumes).filter(([, v]) => !isMap(v) || (v.external === undefined && v.name === undefined));
  if (own.length) out.volumes = Object.fromEntries(own.map(([name]) => [name, { labels: input.volumeLabels }]));
  const secrets = Object.entries(input.secrets);
  if (secrets.length) out.secrets = Object.fromEntries(secrets.map(([key, swarmName]) => [key, { external: true, name: swarmName }]));
  return stringify(out);
}

/** The top-level secrets that stand for stack secrets: compose key -> the stack secret's name. */
export function stackSecretRefs(compose: ComposeFile, stackSecrets: readonly string[]): Record<string, string> {
  const refs: Record<string, string> = {};
  for (const [key, v] of Object.entries(isMap(compose.root.secrets) ? compose.root.secrets : {})) {
    if (!isMap(v) || v.external === undefined || v.external === false) continue;
    const name = v.name ?? (isMap(v.external) ? v.external.name : undefined) ?? key;
    if (typeof name === 'string' && stackSecrets.includes(name)) refs[key] = name;
  }
  return refs;
}
