import { DOCKER_HUB, isRegistryHost } from '../swarm/image-reference';

const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com', 'hub.docker.com']);

/**
 * The host a credential is saved under, as image references name it: `https://index.docker.io/v1/`
 * and the other Docker Hub spellings become `docker.io`; a pasted URL loses its scheme and path.
 * null when what is left is not `host[:port]`.
 */
export function normaliseRegistryHost(input: string): string | null {
  const host = input.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/\/(v1|v2)?\/?$/, '');
  if (!isRegistryHost(host)) return null;
  return DOCKER_HUB_ALIASES.has(host) ? DOCKER_HUB : host;
}

// Alibaba Cloud ACR: the VPC and classic-network endpoints of a registry take the same login as its
// public one (personal edition `registry[-vpc|-internal].<region>.aliyuncs.com`, enterprise edition
// `<instance>-registry[-vpc].<region>.cr.aliyuncs.com`).
const ACR_PERSONAL = /^registry(?:-vpc|-internal)?\.([a-z0-9-]+\.aliyuncs\.com)$/;
const ACR_ENTERPRISE = /^([a-z0-9-]+?)-registry(?:-vpc)?\.([a-z0-9-]+\.cr\.aliyuncs\.com)$/;

/** The hosts whose credential also logs in to `host`, nearest first (the host itself, then its aliases). */
export function equivalentHosts(host: string): string[] {
  const personal = ACR_PERSONAL.exec(host);
  if (personal) return unique([host, ...['registry', 'registry-vpc', 'registry-internal'].map((p) => `${p}.${personal[1]}`)]);
  const enterprise = ACR_ENTERPRISE.exec(host);
  if (enterprise) return unique([host, `${enterprise[1]}-registry.${enterprise[2]}`, `${enterprise[1]}-registry-vpc.${enterprise[2]}`]);
  return [host];
}

const unique = (hosts: string[]) => [...new Set(hosts)];
