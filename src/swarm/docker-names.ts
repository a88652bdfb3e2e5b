/**
 * The names this service puts on a docker command line, validated before any argv is built: a value
 * that passes can neither start with "-" (so it is never read as an option) nor contain whitespace,
 * quotes or shell text. Grammar: https://github.com/distribution/reference/blob/main/reference.go
 */
import { parseImageReference, splitReference } from '../scripts/compose/image-reference';

/** A stack name: also a swarm network and service name prefix, so kept short and lowercase. */
export const STACK_NAME_RE = /^[a-z0-9][a-z0-9_-]{0,29}$/;
/** docker's tag grammar. */
export const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** A content digest, e.g. sha256:<64 hex>. */
export const DIGEST_RE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-f0-9]{32,}$/;
/** A compose service key (the swarm service is `<stack>_<key>`). */
export const COMPOSE_SERVICE_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
/** A swarm service name as docker stack deploy makes them. */
export const SWARM_SERVICE_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
// Only a first component with a dot or a port, or localhost, is a registry host (docker's split rule);
// anything else is a path component and must be lowercase.
const DOMAIN = `(?:(?:localhost|${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})+)(?::[0-9]+)?|${DOMAIN_COMPONENT}:[0-9]+)`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
/** A repository (name without tag or digest), with an optional registry host. */
export const REPOSITORY_RE = new RegExp(`^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
const NAME_MAX = 255;

export const isStackName = (v: unknown): v is string => typeof v === 'string' && STACK_NAME_RE.test(v);
export const isTag = (v: unknown): v is string => typeof v === 'string' && TAG_RE.test(v);
export const isDigest = (v: unknown): v is string => typeof v === 'string' && v.length <= 256 && DIGEST_RE.test(v);
export const isSwarmServiceName = (v: unknown): v is string => typeof v === 'string' && SWARM_SERVICE_RE.test(v);
export const isComposeServiceName = (v: unknown): v is string => typeof v === 'string' && COMPOSE_SERVICE_RE.test(v);

/** True for `halohub/halo`, `registry.cn-shanghai.aliyuncs.com/ns/app`, `127.0.0.1:5000/a/b`; false with a tag. */
export function isRepository(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= NAME_MAX && REPOSITORY_RE.test(v);
}

/** A repository's path inside its registry, without host: `library/nginx`, `acme/web`. */
export const REPOSITORY_PATH_RE = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
export const isRepositoryPath = (v: unknown): v is string => typeof v === 'string' && v.length <= NAME_MAX && REPOSITORY_PATH_RE.test(v);

const HOST_LABEL = '[a-z0-9](?:[a-z0-9-]*[a-z0-9])?';
/** A registry host as this service stores and contacts it: lowercase `name[.name...][:port]` or `[ipv6][:port]`. */
const REGISTRY_HOST_RE = new RegExp(`^(?:${HOST_LABEL}(?:\\.${HOST_LABEL})*|\\[[0-9a-f:]+\\])(?::([0-9]{1,5}))?$`);
export function isRegistryHost(v: unknown): v is string {
  const match = typeof v === 'string' && v.length <= 253 ? REGISTRY_HOST_RE.exec(v) : null;
  return match !== null && (match[1] === undefined || Number(match[1]) <= 65535);
}

/** Thrown when a value would not be a safe, valid docker argument; nothing has been run. */
export class InvalidDockerArgumentError extends Error {
  constructor(
    readonly what: string,
    value: unknown,
  ) {
    super(`invalid ${what}: ${JSON.stringify(String(value).slice(0, 80))}`);
  }
}

function check<T>(ok: boolean, what: string, value: T): T {
  if (!ok) throw new InvalidDockerArgumentError(what, value);
  return value;
}

export const assertStackName = (v: string) => check(isStackName(v), 'stack name', v);
export const assertSwarmServiceName = (v: string) => check(isSwarmServiceName(v), 'service name', v);

export interface ImageTarget {
  repository: string;
  tag: string;
  digest?: string | null;
}

/** `repo:tag` or `repo:tag@digest`, after validating each part. */
export function imageReference({ repository, tag, digest }: ImageTarget): string {
  check(isRepository(repository), 'repository', repository);
  check(isTag(tag), 'tag', tag);
  if (digest) check(isDigest(digest), 'digest', digest);
  return digest ? `${repository}:${tag}@${digest}` : `${repository}:${tag}`;
}

/** Checks a full reference `repo[:tag][@digest]` as it comes back from docker or a compose file. */
export function isImageReference(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  const parsed = splitImageReference(v);
  return parsed !== null;
}

/** Splits `repo[:tag][@digest]`; null when any part is invalid. */
export function splitImageReference(ref: string): { repository: string; tag?: string; digest?: string } | null {
  const split = splitReference(ref);
  if (!split || !isRepository(split.name) || (split.digest !== undefined && !isDigest(split.digest))) return null;
  return { repository: split.name, tag: split.tag, digest: split.digest };
}

/**
 * The canonical form of a repository for comparisons: `halo` -> `docker.io/library/halo`,
 * `halohub/halo` -> `docker.io/halohub/halo`, registry host lowercased. The one parser of image
 * references decides, so manual updates and webhooks match services the same way.
 */
export function normaliseRepository(repository: string): string {
  return parseImageReference(repository)?.repository ?? repository;
}

export const sameRepository = (a: string, b: string) => normaliseRepository(a) === normaliseRepository(b);

/** A swarm secret name (docker allows 64 characters of these). */
export const SECRET_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** A label `key=value` this service sets: keys and values it generates itself, never free text. */
export const LABEL_RE = /^[a-z][a-z0-9.-]{0,62}=[A-Za-z0-9_.-]{1,64}$/;
/** Object ids and names docker lists (services, volumes, containers) as handed back to docker. */
export const OBJECT_REF_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;
