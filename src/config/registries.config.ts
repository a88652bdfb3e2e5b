import { registerAs } from '@nestjs/config';
import { isRegistryHost } from '../swarm/image-reference';
import { ConfigError, Env, readBool, readEnv, readInt } from './env';

export interface RegistriesConfig {
  /** Roll updates to `repo:tag@digest`, resolving and checking the digest with the registry first. */
  pinDigests: boolean;
  timeoutMs: number;
  /** Registries spoken to over plain HTTP besides loopback ones (as in dockerd's insecure-registries). */
  insecureHosts: string[];
}

export function loadRegistriesConfig(env: Env = process.env): RegistriesConfig {
  const insecureHosts = (readEnv(env, 'INSECURE_REGISTRIES') ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
  for (const host of insecureHosts) {
    if (!isRegistryHost(host)) throw new ConfigError(`INSECURE_REGISTRIES must be a comma-separated list of host[:port], got "${host}"`);
  }
  return {
    pinDigests: readBool(env, 'PIN_DIGESTS', true),
    timeoutMs: readInt(env, 'REGISTRY_TIMEOUT_SECONDS', 15, 1, 300) * 1000,
    insecureHosts,
  };
}

export const registriesConfig = registerAs('registries', () => loadRegistriesConfig());
