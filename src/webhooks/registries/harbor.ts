import { isDigest } from '../../swarm/image-reference';
import { header, hostOf, ignored, invalid, isObject, list, obj, pushEvent, shown, str } from './payload-fields';
import type { IncomingDelivery, ParsedDelivery, RegistryFormat, RegistryId } from './registry-format';

/** Harbor 2's push type, and Harbor 1's (which Tencent TCR still sends). */
const PUSH_TYPES = ['PUSH_ARTIFACT', 'pushImage'];
const CLOUDEVENTS_PUSH = 'harbor.artifact.pushed';

/** The host of the first resource_url, e.g. `harbor.acme.io` from `harbor.acme.io/shop/api:v1`. */
export function harborHost(eventData: unknown): string | undefined {
  const url = list(obj(eventData).resources).map((r) => str(obj(r).resource_url)).find(Boolean);
  return url ? hostOf(url) : undefined;
}

/** The Harbor shape {type, occur_at, operator, event_data: {resources, repository}}, Harbor's "Default" format. */
export const isHarborShape = (body: unknown): body is { type: string; event_data: Record<string, unknown> } =>
  isObject(body) && typeof body.type === 'string' && isObject(body.event_data);

/**
 * event_data of a push: one push per resource that carries a tag. A push by digest only (a
 * multi-arch image's platform manifests) names the digest as its tag, and is no tagged push.
 */
export function harborPushes(registry: RegistryId, eventData: unknown, deliveryId?: string): ParsedDelivery {
  const data = obj(eventData);
  const fullName = str(obj(data.repository).repo_full_name);
  if (!fullName) throw invalid('event_data.repository.repo_full_name is required', '缺少 event_data.repository.repo_full_name');
  const resources = list(data.resources);
  if (!resources.length) throw invalid('event_data.resources must list the pushed artifacts', 'event_data.resources 必须列出推送的制品');
  const pushes = resources.flatMap((r, i) => {
    const resource = obj(r);
    const tag = str(resource.tag);
    if (!tag || isDigest(tag)) return [];
    const url = str(resource.resource_url);
    const host = url ? hostOf(url) : undefined;
    if (!host) throw invalid(`event_data.resources[${i}].resource_url is missing or has no host`, `event_data.resources[${i}].resource_url 缺失或不含主机名`);
    const digest = str(resource.digest) || undefined;
    return [pushEvent({ registry, host, path: fullName, tag, digest })];
  });
  return pushes.length ? { pushes, deliveryId } : ignored('untagged manifest push', deliveryId);
}

/**
 * A CloudEvents delivery, Harbor's "CloudEvents" payload format (Harbor 2.10+): structured mode,
 * Content-Type application/cloudevents+json, {specversion, id, source, type: "harbor.artifact.pushed", data}.
 * Binary mode (ce-* headers, the body is the data) is read too.
 * https://github.com/goharbor/harbor/blob/main/src/pkg/notifier/formats/cloudevents.go
 */
function cloudEvent(delivery: IncomingDelivery): { type: string; id?: string; data: unknown } | undefined {
  const ceType = header(delivery, 'ce-type');
  if (ceType !== undefined) return { type: ceType, id: header(delivery, 'ce-id'), data: delivery.body };
  const body = obj(delivery.body);
  if (typeof body.specversion === 'string' && typeof body.type === 'string') return { type: body.type, id: str(body.id), data: body.data };
  return undefined;
}

/**
 * Harbor v2, "Default" and "CloudEvents" payload formats. Harbor sends no signature: its policy's
 * auth header (e.g. Authorization) is the proof. Also Harbor 1's `pushImage` shape, for old instances.
 * https://goharbor.io/docs/main/working-with-projects/project-configuration/configure-webhooks/
 */
export const harbor: RegistryFormat = {
  id: 'harbor',
  label: 'Harbor',
  proof: 'header',
  // jobservice's webhook HTTP client timeout, notification.webhook_job_http_client_timeout in harbor.yml,
  // default 3 s: https://github.com/goharbor/harbor/blob/main/src/jobservice/job/impl/notification/http_helper.go
  answerWithinMs: 3_000,
  detect(delivery) {
    const ce = cloudEvent(delivery);
    return ce ? ce.type.startsWith('harbor.') : isHarborShape(delivery.body);
  },
  parse(delivery) {
    const ce = cloudEvent(delivery);
    if (ce) return ce.type === CLOUDEVENTS_PUSH ? harborPushes('harbor', ce.data, ce.id) : ignored(`${shown(ce.type)} event`, ce.id);
    if (!isHarborShape(delivery.body)) throw invalid('expected a Harbor payload {type, event_data}', '应为 Harbor 通知 {type, event_data}');
    const { type, event_data } = delivery.body;
    return PUSH_TYPES.includes(type) ? harborPushes('harbor', event_data) : ignored(`${shown(type)} event`);
  },
};
