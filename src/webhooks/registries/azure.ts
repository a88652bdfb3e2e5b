import { ignored, invalid, isObject, obj, pushEvent, shown, str } from './payload-fields';
import type { RegistryFormat } from './registry-format';

const MANIFEST = /manifest|image\.index/;

/**
 * Azure Container Registry webhooks: one event per request, {id, timestamp, action: "push" | "delete" |
 * "chart_push" | "chart_delete" | "quarantine" | "ping", target: {mediaType, digest, repository, tag},
 * request: {id, host, method, useragent}}. Distribution's event, without the {events: [...]} envelope.
 * The proof is the webhook's custom headers.
 * https://learn.microsoft.com/en-us/azure/container-registry/container-registry-webhook-reference
 */
export const azure: RegistryFormat = {
  id: 'azure',
  label: 'Azure Container Registry',
  proof: 'header',
  // No delivery timeout is documented, so WEBHOOK_WAIT_SECONDS alone decides how long the answer waits.
  answerWithinMs: undefined,
  detect: ({ body }) =>
    isObject(body) && typeof body.id === 'string' && typeof body.action === 'string' && (isObject(body.target) || isObject(body.request)) && !('events' in body),
  parse({ body }) {
    if (!isObject(body)) throw invalid('the body must be a JSON object', '请求体必须是 JSON 对象');
    const deliveryId = str(body.id) || undefined;
    const action = str(body.action) ?? 'unknown';
    if (action !== 'push') return ignored(`${shown(action)} event`, deliveryId);
    const target = obj(body.target);
    const mediaType = str(target.mediaType);
    if (mediaType !== undefined && !MANIFEST.test(mediaType)) return ignored('layer (blob) push', deliveryId);
    const tag = str(target.tag);
    if (!tag) return ignored('untagged manifest push', deliveryId);
    const repository = str(target.repository);
    const host = str(obj(body.request).host);
    if (!repository) throw invalid('target.repository is required', '缺少 target.repository');
    if (!host) throw invalid('request.host is required', '缺少 request.host');
    return { pushes: [pushEvent({ registry: 'azure', host, path: repository, tag, digest: str(target.digest) || undefined })], deliveryId };
  },
};
