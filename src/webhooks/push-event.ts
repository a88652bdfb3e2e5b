/**
 * A registry's "image pushed" notification, reduced to what decides a rollout. Each registry parser
 * produces this; matching decides which compose services it may roll.
 */
export interface PushEvent {
  registry: 'aliyun' | 'distribution' | 'dockerhub' | 'harbor';
  /** Repository path without host, lowercase: `pongsky/halo`. */
  path: string;
  /** Registry hosts this push counts for (lowercase), or a predicate over the compose image's host. */
  hostMatches: (host: string) => boolean;
  /** Human-readable pushed repository, e.g. `registry.cn-shanghai.aliyuncs.com/pongsky/halo`. */
  repository: string;
  tag: string;
  digest?: string;
}

/** Docker's tag grammar: https://github.com/distribution/reference/blob/main/reference.go */
export const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
export const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;
/** Lowercase path components separated by `/`, each alphanumerics joined by `.`, `_`, `__` or `-`. */
export const PATH_PATTERN = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
