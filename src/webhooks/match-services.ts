import { parseImageReference } from '../swarm/image-reference';
import type { ComposeImage } from '../scripts/entities/script.entity';
import { PushEvent } from './push-event';

export interface RolloutTarget {
  /** Compose service key. */
  service: string;
  /** The repository to roll to: the compose image's own host (a VPC endpoint stays one) and path. */
  repository: string;
}

/**
 * The services a push may roll: only those whose compose image is the pushed repository on a host
 * of that registry. Anything else is refused, so a leaked webhook URL cannot run an arbitrary image.
 */
export function matchServices(images: ComposeImage[], push: PushEvent): RolloutTarget[] {
  return images.flatMap(({ service, image }) => {
    const ref = parseImageReference(image);
    if (!ref || ref.path !== push.path || !push.hostMatches(ref.registry)) return [];
    return [{ service, repository: ref.repository }];
  });
}
