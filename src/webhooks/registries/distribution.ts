import type { PushEvent } from '../push-event';
import { header, ignored, invalid, isObject, obj, pushEvent, shown, str } from './payload-fields';
import type { RegistryFormat } from './registry-format';

const EVENTS_TYPE = 'application/vnd.docker.distribution.events.v1+json';
/** Docker and OCI manifests and indexes; a layer or config blob is anything else. */
const MANIFEST = /manifest|image\.index/;

/**
 * CNCF Distribution (the `registry` image, GitLab self-managed's registry) notifications:
 * {events: [{id, action, target: {mediaType, digest, repository, tag}, request: {host}}]}, possibly
 * for several repositories at once. Only a manifest push with a tag is an image push; blob pushes,
 * pulls, deletes and untagged manifests are not. The proof is the endpoint's configured headers.
 * https://distribution.github.io/distribution/about/notifications/
 */
export const distribution: RegistryFormat = {
  id: 'distribution',
  label: 'CNCF Distribution registry (incl. GitLab self-managed)',
  proof: 'header',
  // notifications.endpoints[].timeout, default 1 s when unset:
  // https://github.com/distribution/distribution/blob/main/notifications/endpoint.go (EndpointConfig.defaults)
  answerWithinMs: 1_000,
  detect: (delivery) =>
    (header(delivery, 'content-type') ?? '').toLowerCase().startsWith(EVENTS_TYPE) || (isObject(delivery.body) && Array.isArray(delivery.body.events)),
  parse({ body }) {
    const events = isObject(body) && Array.isArray(body.events) ? body.events : undefined;
    if (!events) throw invalid('events must be a list', 'events 必须是数组');
    const ids = events.map((e) => str(obj(e).id));
    // An envelope may batch several events; their ids together identify the delivery.
    const deliveryId = ids.length && ids.every(Boolean) ? ids.join(',') : undefined;
    const pushes: PushEvent[] = [];
    const skipped = new Set<string>();
    for (const [i, e] of events.entries()) {
      const event = obj(e);
      const target = obj(event.target);
      const action = str(event.action) ?? 'unknown';
      const tag = str(target.tag);
      const why =
        action !== 'push' ? `${shown(action)} event` : !MANIFEST.test(str(target.mediaType) ?? '') ? 'layer (blob) push' : !tag ? 'untagged manifest push' : undefined;
      if (why || !tag) {
        skipped.add(why ?? 'untagged manifest push');
        continue;
      }
      const host = str(obj(event.request).host);
      const repository = str(target.repository);
      if (!host || !repository) throw invalid(`events[${i}].request.host and events[${i}].target.repository are required`, `缺少 events[${i}].request.host 或 target.repository`);
      pushes.push(pushEvent({ registry: 'distribution', host, path: repository, tag, digest: str(target.digest) || undefined }));
    }
    if (pushes.length) return { pushes, deliveryId };
    return ignored(skipped.size ? [...skipped].join(', ') : 'no events', deliveryId);
  },
};
