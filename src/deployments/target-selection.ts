import { AppError } from '../common/app-error';
import { Errors } from '../common/error-codes';
import type { ComposeImage } from '../scripts/entities/script.entity';
import { sameRepository } from '../swarm/image-reference';

export interface TargetQuery {
  /** The stack name; its compose services become swarm services `<stack>_<key>`. */
  stack: string;
  images: ComposeImage[];
  repository: string;
  /** The compose service the caller named (updateService's `service`). */
  services?: string[];
}

/**
 * Which compose services a manual update rolls: the ones named, which must exist in the compose file;
 * else those whose image is `repository` (compared normalised: `halohub/halo` = `docker.io/halohub/halo`);
 * else the service named like the stack. Returns compose service keys. (A webhook rolls the services
 * its push matched: see matchServices.)
 */
export function selectTargets(q: TargetQuery): string[] {
  const known = new Set(q.images.map((i) => i.service));
  if (q.services?.length) {
    const unknown = q.services.filter((s) => !known.has(s));
    if (unknown.length) {
      throw new AppError(Errors.UNKNOWN_COMPOSE_SERVICE, { zh: unknown.join(', '), en: unknown.join(', ') });
    }
    return [...new Set(q.services)];
  }
  const matching = [...new Set(q.images.filter((i) => sameRepository(i.repository, q.repository)).map((i) => i.service))];
  if (matching.length) return matching;
  if (known.has(q.stack)) return [q.stack];
  throw new AppError(Errors.NO_TARGET_SERVICE, { zh: q.repository, en: q.repository });
}
