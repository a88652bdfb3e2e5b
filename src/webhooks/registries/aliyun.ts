import { invalid, isObject, obj, pushEvent, str } from './payload-fields';
import type { RegistryFormat } from './registry-format';

const REGION = /^[a-z0-9-]{1,40}$/;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The hosts of one region: the personal edition's `registry[-vpc|-internal].{region}.aliyuncs.com`, the
 * enterprise edition's `<instance>-registry[-vpc].{region}.cr.aliyuncs.com` and the new personal
 * edition's `crpi-<id>[-vpc].{region}.personal.cr.aliyuncs.com`. The payload names no instance, so any
 * instance of the region counts; the webhook token is what ties a delivery to one registry.
 * https://www.alibabacloud.com/help/en/acr/user-guide/manage-triggers
 */
function regionHosts(region: string): (host: string) => boolean {
  const r = escape(region);
  const patterns = [
    new RegExp(`^registry(?:-vpc|-internal)?\\.${r}\\.aliyuncs\\.com$`),
    new RegExp(`^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?-registry(?:-vpc)?\\.${r}\\.cr\\.aliyuncs\\.com$`),
    new RegExp(`^crpi-[a-z0-9]+(?:-vpc)?\\.${r}\\.personal\\.cr\\.aliyuncs\\.com$`),
  ];
  return (host) => patterns.some((p) => p.test(host));
}

/**
 * Alibaba Cloud Container Registry, personal and enterprise editions: a trigger posts
 * {push_data: {digest, pushed_at, tag}, repository: {name, namespace, region, repo_full_name, ...}}
 * for each pushed tag. No signature and no delivery id; only the URL token proves it.
 */
export const aliyun: RegistryFormat = {
  id: 'aliyun',
  label: 'Alibaba Cloud Container Registry (ACR)',
  proof: 'token',
  // No delivery timeout is documented, so WEBHOOK_WAIT_SECONDS alone decides how long the answer waits.
  answerWithinMs: undefined,
  detect: ({ body }) => isObject(body) && isObject(body.push_data) && isObject(body.repository) && 'region' in body.repository,
  parse({ body }) {
    if (!isObject(body)) throw invalid('the body must be a JSON object', '请求体必须是 JSON 对象');
    const push = obj(body.push_data);
    const repo = obj(body.repository);
    const region = str(repo.region);
    const namespace = str(repo.namespace);
    const name = str(repo.name);
    const tag = str(push.tag);
    if (!region || !REGION.test(region)) throw invalid('repository.region is missing or invalid', 'repository.region 缺失或无效');
    if (!namespace || !name) throw invalid('repository.namespace and repository.name are required', '缺少 repository.namespace 或 repository.name');
    if (!tag) throw invalid('push_data.tag is required', '缺少 push_data.tag');
    return {
      pushes: [
        pushEvent({
          registry: 'aliyun',
          host: `registry.${region}.aliyuncs.com`,
          path: `${namespace}/${name}`,
          tag,
          digest: str(push.digest) || undefined,
          hostMatches: regionHosts(region),
        }),
      ],
    };
  },
};
