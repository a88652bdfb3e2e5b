/**
 * Docker image references, parsed the way the engine does, so a registry push can be matched to the
 * compose services that run that repository. Grammar:
 * https://github.com/distribution/reference/blob/main/reference.go
 */
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

export const DOCKER_HUB = 'docker.io';
const MAX_NAME_LENGTH = 255;

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;

/**
 * Splits `name[:tag][@digest]` as written (the name is not normalised); undefined when the tag or the
 * digest is invalid, or the name is empty or too long.
 */
export function splitReference(ref: string): { name: string; tag?: string; digest?: string } | undefined {
  if (typeof ref !== 'string' || ref === '' || ref !== ref.trim()) return undefined;
  let name = ref;
  let digest: string | undefined;
  const at = name.indexOf('@');
  if (at >= 0) {
    digest = name.slice(at + 1);
    name = name.slice(0, at);
    if (!DIGEST.test(digest)) return undefined;
  }
  let tag: string | undefined;
  // A tag's colon comes after the last slash; an earlier colon is the registry's port.
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
    if (!TAG.test(tag)) return undefined;
  }
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) return undefined;
  return { name, tag, digest };
}

/**
 * Parses `[host[:port]/]path[:tag][@digest]`; undefined when the reference is not one docker accepts
 * (empty, uppercase in the path, bad tag or digest, too long).
 */
export function parseImageReference(ref: string): ImageReference | undefined {
  const split = splitReference(ref);
  if (!split) return undefined;
  const { name: rest, tag, digest } = split;

  let registry = DOCKER_HUB;
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    // Docker treats the first component as a host when it has a dot, a port, is localhost, or has uppercase.
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
      if (!DOMAIN.test(first)) return undefined;
      registry = first.toLowerCase();
      path = rest.slice(slash + 1);
    }
  }
  if (!path.split('/').every((c) => PATH_COMPONENT.test(c))) return undefined;
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;
  return { registry, path, repository: `${registry}/${path}`, ...(tag !== undefined && { tag }), ...(digest !== undefined && { digest }) };
}

/** The normalised repository of a reference (e.g. `nginx:1` -> `docker.io/library/nginx`), or undefined. */
export function normaliseRepository(ref: string): string | undefined {
  return parseImageReference(ref)?.repository;
}
