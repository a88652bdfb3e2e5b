import { isRegistryHost } from '../swarm/image-reference';
import { Env, EnvReader, loadFeature } from './env';
import { featureConfig } from './feature-config';

export interface RegistriesConfig {
  /** Roll updates to `repo:tag@digest`, resolving and checking the digest with the registry first. */
  pinDigests: boolean;
  timeoutMs: number;
  /** Registries spoken to over plain HTTP besides loopback ones (as in dockerd's insecure-registries). */
  insecureHosts: string[];
}

export function readRegistriesConfig(env: EnvReader): RegistriesConfig {
  return {
    pinDigests: env.bool('PIN_DIGESTS', true),
    timeoutMs: env.int('REGISTRY_TIMEOUT_SECONDS', 15, 1, 300) * 1000,
    insecureHosts: env.list('INSECURE_REGISTRIES', isRegistryHost, 'a registry host[:port]', (host) => host.toLowerCase()),
  };
}

export const loadRegistriesConfig = (env: Env): RegistriesConfig => loadFeature(env, readRegistriesConfig);
export const registriesConfig = featureConfig<RegistriesConfig>('registries');
