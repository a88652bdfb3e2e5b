/**
 * Docker image references: the one grammar every feature uses (compose files, manual updates,
 * registry webhooks, private-registry logins) and the docker boundary checks before building an
 * argv. It follows docker's own, https://github.com/distribution/reference (regexp.go for the
 * grammar, normalize.go for `nginx` -> `docker.io/library/nginx`):
 *
 *   reference := name [":" tag] ["@" digest]
 *   name      := [domain "/"] path            (at most 255 characters)
 *   domain    := host [":" port]              host: DNS name, IPv4 or [IPv6]
 *   path      := component ("/" component)*   component: [a-z0-9]+ joined by ".", "_", "__" or "-"+
 *   tag       := [\w][\w.-]{0,127}
 *   digest    := algorithm ":" hex{32,}       algorithm: [A-Za-z][A-Za-z0-9]* joined by [+._-]
 *
 * A value that passes can neither start with "-" (so it is never read as an option) nor contain
 * whitespace, quotes or shell text.
 */
import { InvalidDockerArgumentError } from './docker-names';

export const DOCKER_HUB = 'docker.io';
const NAME_MAX_LENGTH = 255;

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const PATH = `${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;

const DOMAIN_RE = new RegExp(`^${DOMAIN}$`);
const PATH_RE = new RegExp(`^${PATH}$`);
/** docker's tag grammar. */
export const TAG_RE = /^\w[\w.-]{0,127}$/;
const DIGEST_RE = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const DIGEST_MAX_LENGTH = 256;

export interface ImageReference {
  /** Lowercased registry host, with port if given; `docker.io` for Docker Hub. */
  registry: string;
  /** Repository path inside the registry; Docker Hub short names get `library/`. */
  path: string;
  /** `registry/path`: the normalised repository, without tag or digest. */
  repository: string;
  tag?: string;
  digest?: string;
}

export const isTag = (v: unknown): v is string => typeof v === 'string' && TAG_RE.test(v);
export const isDigest = (v: unknown): v is string => typeof v === 'string' && v.length <= DIGEST_MAX_LENGTH && DIGEST_RE.test(v);
/** A repository's path inside its registry, without host: `library/nginx`, `acme/web`. */
export const isRepositoryPath = (v: unknown): v is string => typeof v === 'string' && v.length <= NAME_MAX_LENGTH && PATH_RE.test(v);

/**
 * Splits a name into docker's domain and path as written: the first component is a host when it has
 * a dot or a port, is `localhost`, or has uppercase (which a path may not); undefined when invalid.
 */
function splitName(name: string): { domain?: string; path: string } | undefined {
  if (name.length === 0 || name.length > NAME_MAX_LENGTH) return undefined;
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const hasDomain = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase());
  const domain = hasDomain ? first : undefined;
  const path = hasDomain ? name.slice(slash + 1) : name;
  if ((domain !== undefined && !DOMAIN_RE.test(domain)) || !PATH_RE.test(path)) return undefined;
  return { domain, path };
}

/** A repository as written (`halo`, `halohub/halo`, `127.0.0.1:5000/acme/web`), without tag or digest. */
export const isRepository = (v: unknown): v is string => typeof v === 'string' && splitName(v) !== undefined;

/**
 * Splits `name[:tag][@digest]` as written (the name is not normalised); null when any part is
 * invalid.
 */
export function splitImageReference(ref: unknown): { repository: string; tag?: string; digest?: string } | null {
  if (typeof ref !== 'string') return null;
  let name = ref;
  let digest: string | undefined;
  const at = name.indexOf('@');
  if (at >= 0) {
    digest = name.slice(at + 1);
    name = name.slice(0, at);
    if (!isDigest(digest)) return null;
  }
  let tag: string | undefined;
  // A tag's colon comes after the last slash; an earlier colon is the registry's port.
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
    if (!isTag(tag)) return null;
  }
  if (!isRepository(name)) return null;
  return { repository: name, tag, digest };
}

export const isImageReference = (v: unknown): v is string => splitImageReference(v) !== null;

/**
 * Parses `[host[:port]/]path[:tag][@digest]` and normalises it the way docker does (host lowercased,
 * `index.docker.io` and `registry-1.docker.io` are `docker.io`, Docker Hub short names get
 * `library/`); undefined when docker would refuse the reference.
 */
export function parseImageReference(ref: unknown): ImageReference | undefined {
  const split = splitImageReference(ref);
  if (!split) return undefined;
  const { domain, path: written } = splitName(split.repository)!;
  let registry = domain?.toLowerCase() ?? DOCKER_HUB;
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = DOCKER_HUB;
  const path = registry === DOCKER_HUB && !written.includes('/') ? `library/${written}` : written;
  return {
    registry,
    path,
    repository: `${registry}/${path}`,
    ...(split.tag !== undefined && { tag: split.tag }),
    ...(split.digest !== undefined && { digest: split.digest }),
  };
}

/**
 * The canonical form of a repository for comparisons: `halo` -> `docker.io/library/halo`,
 * `Registry.Example.com/x` -> `registry.example.com/x`; undefined when it is not a reference.
 */
export function normaliseRepository(ref: string): string | undefined {
  return parseImageReference(ref)?.repository;
}

/** True when both name the same repository once normalised (an invalid one equals only itself). */
export const sameRepository = (a: string, b: string) => (normaliseRepository(a) ?? a) === (normaliseRepository(b) ?? b);

/** Same repository and tag; docker may add `@sha256:...` to the spec's image after resolving it. */
export function sameImage(actual: string, wanted: string): boolean {
  const a = splitImageReference(actual);
  const w = splitImageReference(wanted);
  if (!a || !w || !sameRepository(a.repository, w.repository) || (a.tag ?? 'latest') !== (w.tag ?? 'latest')) return false;
  return !w.digest || !a.digest || a.digest === w.digest;
}

const HOST_LABEL = '[a-z0-9](?:[a-z0-9-]*[a-z0-9])?';
/** A registry host as this service stores and contacts it: lowercase `name[.name...][:port]` or `[ipv6][:port]`. */
const REGISTRY_HOST_RE = new RegExp(`^(?:${HOST_LABEL}(?:\\.${HOST_LABEL})*|\\[[0-9a-f:]+\\])(?::([0-9]{1,5}))?$`);
export function isRegistryHost(v: unknown): v is string {
  const match = typeof v === 'string' && v.length <= 253 ? REGISTRY_HOST_RE.exec(v) : null;
  return match !== null && (match[1] === undefined || Number(match[1]) <= 65535);
}

export interface ImageTarget {
  repository: string;
  tag: string;
  digest?: string | null;
}

/** `repo:tag` or `repo:tag@digest` for a docker argv, after validating each part. */
export function imageReference({ repository, tag, digest }: ImageTarget): string {
  if (!isRepository(repository)) throw new InvalidDockerArgumentError('repository', repository);
  if (!isTag(tag)) throw new InvalidDockerArgumentError('tag', tag);
  if (digest && !isDigest(digest)) throw new InvalidDockerArgumentError('digest', digest);
  return digest ? `${repository}:${tag}@${digest}` : `${repository}:${tag}`;
}
