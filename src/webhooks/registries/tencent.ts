import { harborHost, harborPushes, isHarborShape } from './harbor';
import { ignored, invalid, shown } from './payload-fields';
import type { RegistryFormat } from './registry-format';

const TCR_HOST = /\.tencentcloudcr\.com(?::\d+)?$/;

/**
 * Tencent Container Registry (enterprise edition) triggers. TCR is built on Harbor and posts Harbor 1's
 * shape: {type: "pushImage", occur_at, operator, event_data: {resources: [{digest, tag, resource_url}],
 * repository: {name, namespace, repo_full_name, ...}}}, with the custom headers configured on the
 * trigger as the proof. The shape alone cannot tell it from a self-hosted Harbor, so the resource host
 * `<instance>.tencentcloudcr.com` decides; `?source=tencent` forces it for a custom domain.
 * https://www.tencentcloud.com/document/product/1051/37254
 */
export const tencent: RegistryFormat = {
  id: 'tencent',
  label: 'Tencent Container Registry (TCR)',
  proof: 'header',
  // Not documented by Tencent Cloud; TCR runs Harbor's jobservice, whose webhook client defaults to 3 s.
  answerWithinMs: 3_000,
  detect: ({ body }) => isHarborShape(body) && TCR_HOST.test(harborHost(body.event_data) ?? ''),
  parse({ body }) {
    if (!isHarborShape(body)) throw invalid('expected a TCR trigger payload {type, event_data}', '应为 TCR 触发器通知 {type, event_data}');
    return body.type === 'pushImage' || body.type === 'PUSH_ARTIFACT' ? harborPushes('tencent', body.event_data) : ignored(`${shown(body.type)} event`);
  },
};
