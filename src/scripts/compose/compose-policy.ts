import { ComposeFile, hasInterpolation, isMap, YamlMap } from './compose-file';
import { publishedPorts } from './compose-ports';

/** One setting a USER may not deploy; `key` is the path in the compose file, e.g. `services.web.privileged`. */
export interface PolicyViolation {
  key: string;
  reason: string;
}

/** What a USER's stack may reach outside itself; the caller fills it from the database and configuration. */
export interface PolicyContext {
  /** This script's stack name (swarm prefixes the stack's own resources `<stack>_`). */
  stack: string;
  /** True when a swarm resource name (volume or network) lies in one of the author's own stacks; decided by the caller from the database. */
  isOwnResource(name: string): boolean;
  /** Networks an ADMIN allows USERs to join with external: true (e.g. traefik-public). */
  sharedNetworks: readonly string[];
  /** The names of this script's stack secrets (set through the API): the only external secrets allowed. */
  stackSecrets: readonly string[];
  /** Published ports a USER may use (inclusive). */
  portRange: { min: number; max: number };
}

type Add = (key: string, reason: string) => void;
type TopLevelSection = 'volumes' | 'networks' | 'configs' | 'secrets';

const MAX_VIOLATIONS = 20;
/** Read YAML 1.1 spellings too (`yes`, `on`): refusing a string docker would refuse anyway costs nothing. */
const isTruthy = (v: unknown) =>
  !(v === undefined || v === null || v === false || v === 0 || (typeof v === 'string' && ['', '0', 'false', 'no', 'off'].includes(v.toLowerCase())));
const nonEmpty = (v: unknown) => (Array.isArray(v) ? v.length > 0 : isMap(v) ? Object.keys(v).length > 0 : isTruthy(v));
/** Compose treats a volume source as a host path when it looks like one (compose-go `isFilePath`). */
const isHostPath = (s: string) => /^[./~]/.test(s) || s.includes('/') || s.includes('\\');
const entriesOf = (section: unknown) => Object.entries(isMap(section) ? section : {});
/** Docker treats an empty name as no name; anything else non-string is refused by its schema, so reading it as text only refuses more. */
const nameValue = (v: unknown) => (v === undefined || v === null || v === '' ? undefined : String(v));

function violationList(): { out: PolicyViolation[]; add: Add } {
  const out: PolicyViolation[] = [];
  return { out, add: (key, reason) => void (out.length < MAX_VIOLATIONS && out.push({ key, reason })) };
}

/**
 * The real swarm name of a top-level entry when it lies outside this stack's `<stack>_` namespace:
 * external entries (`external: true`, or `external: {name}`) and entries with `name:` are used by that
 * name as is; undefined for the stack's own entries (`<stack>_<key>`).
 */
function outsideName(key: string, value: unknown): string | undefined {
  const entry = isMap(value) ? value : {};
  const name = nameValue(entry.name) ?? (isMap(entry.external) ? nameValue(entry.external.name) : undefined);
  return isTruthy(entry.external) || name !== undefined ? (name ?? key) : undefined;
}

/** Every top-level volume/network name that resolves OUTSIDE this stack's own namespace (external, or with `name:`), so the caller can decide ownership for isOwnResource before calling checkComposePolicy. */
export function externalResourceNames(compose: ComposeFile): { volumes: string[]; networks: string[] } {
  const names = (section: unknown) => [...new Set(entriesOf(section).flatMap(([key, value]) => outsideName(key, value) ?? []))];
  return { volumes: names(compose.root.volumes), networks: names(compose.root.networks) };
}

/** services.<s>.deploy.replicas above `max` (each one a violation, key `services.<s>.deploy.replicas`). */
export function checkReplicaLimit(compose: ComposeFile, max: number): PolicyViolation[] {
  const { out, add } = violationList();
  for (const [name, svc] of Object.entries(compose.services)) {
    const replicas = isMap(svc.deploy) ? replicaCount(svc.deploy.replicas) : undefined;
    if (replicas !== undefined && replicas > max) add(`services.${name}.deploy.replicas`, `${replicas} replicas exceed the limit of ${max} per service`);
  }
  return out;
}

/** Docker reads replicas as an integer, or a string strconv.Atoi accepts. */
const replicaCount = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && /^[+-]?\d+$/.test(v) ? Number(v) : undefined);

/** Host namespaces a container must not share: any of them reaches the host's processes or network. */
const HOST_MODES = ['network_mode', 'pid', 'ipc', 'uts', 'userns_mode', 'cgroupns_mode'] as const;

/**
 * What a USER may not put in a compose file, because each lets a container take over the docker host
 * (or read the files and environment of this service, which runs `docker stack deploy`), or reach swarm
 * resources outside the author's own stacks. ADMINs are exempt; COMPOSE_POLICY=off disables the check.
 * Returns every violation found (up to 20).
 */
export function checkComposePolicy(compose: ComposeFile, ctx: PolicyContext): PolicyViolation[] {
  const { out, add } = violationList();
  const declaredVolumes = Object.keys(isMap(compose.root.volumes) ? compose.root.volumes : {});

  for (const [name, svc] of Object.entries(compose.services)) {
    const at = (key: string) => `services.${name}.${key}`;
    if (isTruthy(svc.privileged)) add(at('privileged'), 'privileged containers control the host');
    for (const mode of HOST_MODES) {
      if (typeof svc[mode] === 'string' && /^(host|container:|service:)/.test(svc[mode] as string)) {
        add(at(mode), `${mode}: ${svc[mode] as string} shares a namespace outside the stack`);
      }
    }
    if (nonEmpty(svc.cap_add)) add(at('cap_add'), 'added capabilities can escape the container');
    if (nonEmpty(svc.devices)) add(at('devices'), 'host devices are not allowed');
    if (svc.env_file !== undefined) add(at('env_file'), 'env_file reads files on this server');
    if (svc.cgroup_parent !== undefined) add(at('cgroup_parent'), 'cgroup_parent places the container outside its limits');
    const opts = Array.isArray(svc.security_opt) ? svc.security_opt : [];
    if (opts.some((o) => typeof o === 'string' && /unconfined/i.test(o))) add(at('security_opt'), 'unconfined security profiles are not allowed');
    const volumes = Array.isArray(svc.volumes) ? svc.volumes : [];
    volumes.forEach((v, i) => {
      const reason = bindMountReason(v) ?? volumeSourceReason(v, declaredVolumes, ctx.stack);
      if (reason) add(at(`volumes[${i}]`), reason);
    });
    checkPorts(svc.ports, at('ports'), ctx.portRange, add);
  }
  checkTopLevel(compose.root, ctx, add);
  // Deploy interpolates with this service's own environment (its secrets): only literal values.
  walkStrings(compose.root, '', (path, value) => hasInterpolation(value) && add(path, 'variable interpolation (${VAR}) is not allowed; write $$ for a literal $'));
  return out;
}

function bindMountReason(volume: unknown): string | undefined {
  if (typeof volume === 'string') {
    const parts = volume.split(':');
    if (/^[a-zA-Z]:[\\/]/.test(volume)) return `bind mount of the host path ${volume} is not allowed (named volumes are)`;
    // "/data" alone is an anonymous volume; "src:/target[:mode]" mounts src.
    if (parts.length > 1 && isHostPath(parts[0])) return `bind mount of the host path ${parts[0]} is not allowed (named volumes are)`;
    return undefined;
  }
  if (isMap(volume)) {
    const type = typeof volume.type === 'string' ? volume.type : 'volume';
    if (type === 'bind' || type === 'npipe') return `type: ${type} mounts of host paths are not allowed (named volumes are)`;
    if (typeof volume.source === 'string' && type === 'volume' && isHostPath(volume.source)) return `host path ${volume.source} is not allowed as a volume source`;
  }
  return undefined;
}

/** A named volume source must be a top-level key: any other name is how another stack's volume would be mounted. */
function volumeSourceReason(volume: unknown, declared: readonly string[], stack: string): string | undefined {
  let source: string | undefined;
  if (typeof volume === 'string') {
    const parts = volume.split(':');
    source = parts.length > 1 && parts[0] !== '' ? parts[0] : undefined;
  } else if (isMap(volume)) {
    // Cluster (CSI) volumes exist only when created by hand, and `group:` sources skip the stack's names: never a USER's own.
    if (volume.type === 'cluster') return 'type: cluster volumes are not allowed (named volumes of this stack are)';
    const type = typeof volume.type === 'string' ? volume.type : 'volume';
    source = type === 'volume' ? nameValue(volume.source) : undefined;
  }
  if (source === undefined || declared.includes(source)) return undefined;
  return `volume source ${source} is not declared under the top-level volumes; declare it there to get this stack's own volume ${stack}_${source}`;
}

function checkPorts(ports: unknown, key: string, range: PolicyContext['portRange'], add: Add): void {
  if (ports === undefined || ports === null) return;
  // Not a list: docker's own schema check refuses it, with its message.
  if (!Array.isArray(ports)) return;
  ports.forEach((entry, i) => {
    const published = publishedPorts(entry);
    const at = `${key}[${i}]`;
    if (published === 'unreadable') add(at, `the port ${JSON.stringify(entry)} cannot be read; write "published:target" with published in ${range.min}-${range.max}`);
    else if (published !== 'none' && (published.start < range.min || published.end > range.max)) {
      const what = published.start === published.end ? `port ${published.start} is` : `ports ${published.start}-${published.end} are`;
      add(at, `published ${what} outside the allowed range ${range.min}-${range.max}`);
    }
  });
}

/** Why a top-level entry resolving to `name` outside this stack may not be used, per section; undefined when it may. */
const OUTSIDE_REASONS: Record<TopLevelSection, (name: string, ctx: PolicyContext) => string | undefined> = {
  volumes: (name, ctx) => (ctx.isOwnResource(name) ? undefined : `uses the volume ${name} outside your stacks; only your own stacks' volumes are allowed`),
  networks: (name, ctx) =>
    ctx.sharedNetworks.includes(name) || ctx.isOwnResource(name)
      ? undefined
      : `joins the network ${name} outside your stacks; only your own stacks' networks and the shared networks (${ctx.sharedNetworks.join(', ') || 'none configured'}) are allowed`,
  // USERs cannot create swarm configs any other way, so every external config belongs to someone else.
  configs: (name) => `uses the existing config ${name}, which is not yours; put the file in the image or use a stack secret instead`,
  secrets: (name, ctx) =>
    ctx.stackSecrets.includes(name) ? undefined : `${name} is not a stack secret of this script; set it with PUT /web/user/script/{id}/secrets/{name}`,
};

function checkOutside(section: TopLevelSection, key: string, value: unknown, ctx: PolicyContext, add: Add): void {
  const name = outsideName(key, value);
  const reason = name === undefined ? undefined : OUTSIDE_REASONS[section](name, ctx);
  if (reason) add(`${section}.${key}`, reason);
}

function checkTopLevel(root: YamlMap, ctx: PolicyContext, add: Add): void {
  for (const [name, vol] of entriesOf(root.volumes)) {
    const o = isMap(vol) && isMap(vol.driver_opts) ? vol.driver_opts : undefined;
    if (o && (/\bbind\b/.test(String(o.o ?? '')) || ['none', 'bind'].includes(String(o.type ?? '')))) {
      add(`volumes.${name}.driver_opts`, 'a local volume bound to a host path is a bind mount');
    }
    checkOutside('volumes', name, vol, ctx, add);
  }
  for (const kind of ['configs', 'secrets'] as const) {
    for (const [name, item] of entriesOf(root[kind])) {
      if (isMap(item) && item.file !== undefined) add(`${kind}.${name}.file`, `${kind} from files read files on this server`);
      if (isMap(item) && item.environment !== undefined) add(`${kind}.${name}.environment`, `${kind} from environment variables read this server's environment`);
      checkOutside(kind, name, item, ctx, add);
    }
  }
  for (const [name, net] of entriesOf(root.networks)) {
    const n = isMap(net) ? net : {};
    const names = [name, n.name, isMap(n.external) ? n.external.name : undefined];
    // In a swarm, joining the predefined "host" network is how a service gets the host's network stack.
    if (names.includes('host') || n.driver === 'host') add(`networks.${name}`, 'the host network is not allowed');
    else checkOutside('networks', name, net, ctx, add);
  }
}

function walkStrings(value: unknown, path: string, visit: (path: string, value: string) => unknown): void {
  if (typeof value === 'string') visit(path || '(root)', value);
  else if (Array.isArray(value)) value.forEach((v, i) => walkStrings(v, `${path}[${i}]`, visit));
  else if (isMap(value)) for (const [k, v] of Object.entries(value)) walkStrings(v, path ? `${path}.${k}` : k, visit);
}
