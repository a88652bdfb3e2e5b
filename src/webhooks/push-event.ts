import type { RegistryId } from './registries/registry-format';

/**
 * A registry's "image pushed" notification, reduced to what decides a rollout. Each registry parser
 * (src/webhooks/registries/) produces this; matching decides which compose services it may roll.
 */
export interface PushEvent {
  registry: RegistryId;
  /** Repository path without host, lowercase: `pongsky/halo`. */
  path: string;
  /** Registry hosts this push counts for (lowercase), or a predicate over the compose image's host. */
  hostMatches: (host: string) => boolean;
  /** Human-readable pushed repository, e.g. `registry.cn-shanghai.aliyuncs.com/pongsky/halo`. */
  repository: string;
  tag: string;
  digest?: string;
}
