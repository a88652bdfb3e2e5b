import { ComposeFile, hasInterpolation, isMap, YamlMap } from './compose-file';

/** One setting a USER may not deploy; `key` is the path in the compose file, e.g. `services.web.privileged`. */
export interface PolicyViolation {
  key: string;
  reason: string;
}

const MAX_VIOLATIONS = 20;
/** Read YAML 1.1 spellings too (`yes`, `on`): refusing a string docker would refuse anyway costs nothing. */
const isTruthy = (v: unknown) =>
  !(v === undefined || v === null || v === false || v === 0 || (typeof v === 'string' && ['', '0', 'false', 'no', 'off'].includes(v.toLowerCase())));
const nonEmpty = (v: unknown) => (Array.isArray(v) ? v.length > 0 : isMap(v) ? Object.keys(v).length > 0 : isTruthy(v));
/** Compose treats a volume source as a host path when it looks like one (compose-go `isFilePath`). */
const isHostPath = (s: string) => /^[./~]/.test(s) || s.includes('/') || s.includes('\\');

/** Host namespaces a container must not share: any of them reaches the host's processes or network. */
const HOST_MODES = ['network_mode', 'pid', 'ipc', 'uts', 'userns_mode', 'cgroupns_mode'] as const;

/**
 * What a USER may not put in a compose file, because each lets a container take over the docker host
 * (or read the files and environment of this service, which runs `docker stack deploy`). ADMINs are
 * exempt; COMPOSE_POLICY=off disables the check. Returns every violation found (up to 20).
 */
export function checkComposePolicy(compose: ComposeFile): PolicyViolation[] {
  const out: PolicyViolation[] = [];
  const add = (key: string, reason: string) => out.length < MAX_VIOLATIONS && out.push({ key, reason });

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
      const reason = bindMountReason(v);
      if (reason) add(at(`volumes[${i}]`), reason);
    });
  }
  checkTopLevel(compose.root, add);
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

function checkTopLevel(root: YamlMap, add: (key: string, reason: string) => void): void {
  for (const [name, vol] of Object.entries(isMap(root.volumes) ? root.volumes : {})) {
    const o = isMap(vol) && isMap(vol.driver_opts) ? vol.driver_opts : undefined;
    if (o && (/\bbind\b/.test(String(o.o ?? '')) || ['none', 'bind'].includes(String(o.type ?? '')))) {
      add(`volumes.${name}.driver_opts`, 'a local volume bound to a host path is a bind mount');
    }
  }
  for (const kind of ['configs', 'secrets'] as const) {
    for (const [name, item] of Object.entries(isMap(root[kind]) ? root[kind] : {})) {
      if (isMap(item) && item.file !== undefined) add(`${kind}.${name}.file`, `${kind} from files read files on this server`);
      if (isMap(item) && item.environment !== undefined) add(`${kind}.${name}.environment`, `${kind} from environment variables read this server's environment`);
    }
  }
  for (const [name, net] of Object.entries(isMap(root.networks) ? root.networks : {})) {
    const n = isMap(net) ? net : {};
    const names = [name, n.name, isMap(n.external) ? n.external.name : undefined];
    // In a swarm, joining the predefined "host" network is how a service gets the host's network stack.
    if (names.includes('host') || n.driver === 'host') add(`networks.${name}`, 'the host network is not allowed');
  }
}

function walkStrings(value: unknown, path: string, visit: (path: string, value: string) => unknown): void {
  if (typeof value === 'string') visit(path || '(root)', value);
  else if (Array.isArray(value)) value.forEach((v, i) => walkStrings(v, `${path}[${i}]`, visit));
  else if (isMap(value)) for (const [k, v] of Object.entries(value)) walkStrings(v, path ? `${path}.${k}` : k, visit);
}
