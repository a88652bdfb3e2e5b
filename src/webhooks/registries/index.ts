import { aliyun } from './aliyun';
import { azure } from './azure';
import { distribution } from './distribution';
import { dockerhub } from './dockerhub';
import { forgejo, gitea } from './gitea';
import { github } from './github';
import { harbor } from './harbor';
import { invalid } from './payload-fields';
import { quay } from './quay';
import type { IncomingDelivery, RegistryFormat } from './registry-format';
import { tencent } from './tencent';

export type { IncomingDelivery, ParsedDelivery, ProofKind, RegistryFormat, RegistryId } from './registry-format';

/**
 * In detection order: registries that name themselves in a header first (Forgejo also sends Gitea's
 * headers, and Gitea also sends GitHub's), then payload shapes, the narrower before the broader
 * (TCR is Harbor's shape on a tencentcloudcr.com host).
 */
export const REGISTRY_FORMATS: readonly RegistryFormat[] = [forgejo, gitea, github, tencent, harbor, distribution, azure, quay, aliyun, dockerhub];

const ids = REGISTRY_FORMATS.map((f) => f.id).join(', ');
const labels = REGISTRY_FORMATS.map((f) => f.label).join(', ');

/**
 * Chooses the format: forced by `?source=<id>` when given (unknown id -> 400 WEBHOOK_PAYLOAD_INVALID
 * listing the ids), else the first whose detect() is true; none -> 400 naming the formats understood.
 */
export function formatOf(delivery: IncomingDelivery, source?: string): RegistryFormat {
  if (source !== undefined && source !== '') {
    const forced = REGISTRY_FORMATS.find((f) => f.id === source);
    if (!forced) throw invalid(`unknown source "${source.slice(0, 40)}"; expected one of: ${ids}`, `未知的 source "${source.slice(0, 40)}"，可选值：${ids}`);
    return forced;
  }
  const detected = REGISTRY_FORMATS.find((f) => f.detect(delivery));
  if (!detected) {
    throw invalid(
      `unrecognised registry payload; understood: ${labels} (add ?source=<${ids.replace(/, /g, '|')}> to name it)`,
      `无法识别的镜像仓库通知格式；支持：${labels}（可加 ?source= 指定）`,
    );
  }
  return detected;
}
