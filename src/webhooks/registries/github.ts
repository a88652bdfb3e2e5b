import { verifyHmacSha256 } from './hmac-signature';
import { header, ignored, invalid, isObject, obj, pushEvent, shown, str } from './payload-fields';
import type { RegistryFormat } from './registry-format';

const PACKAGE_EVENTS = ['package', 'registry_package'];
/** "updated" comes when an existing version gets another tag; both name the tag that now points at it. */
const PUSH_ACTIONS = ['published', 'updated'];

/**
 * GitHub Packages / GHCR: `X-GitHub-Event: package` (or the older `registry_package`) with
 * {action, package: {namespace, name, package_type: "CONTAINER", package_version: {container_metadata:
 * {tag: {name, digest}}}}}. A multi-arch push also publishes each platform manifest with an empty tag.
 * https://docs.github.com/en/webhooks/webhook-events-and-payloads#package
 */
export const github: RegistryFormat = {
  id: 'github',
  label: 'GitHub Packages (ghcr.io)',
  proof: 'signature',
  // "Your server should respond with a 2XX response within 10 seconds":
  // https://docs.github.com/en/webhooks/using-webhooks/best-practices-for-using-webhooks#respond-within-10-seconds
  answerWithinMs: 10_000,
  detect: (delivery) => header(delivery, 'x-github-event') !== undefined,
  verifySignature: (delivery, secret) => verifyHmacSha256(delivery.rawBody, secret, header(delivery, 'x-hub-signature-256'), 'sha256='),
  parse(delivery) {
    const deliveryId = header(delivery, 'x-github-delivery');
    const { body } = delivery;
    if (!isObject(body)) throw invalid('the body must be a JSON object', '请求体必须是 JSON 对象');
    // Without the header (a delivery forced with ?source=github), the payload's own key names the event.
    const event = header(delivery, 'x-github-event') ?? PACKAGE_EVENTS.find((key) => isObject(body[key]));
    if (event === undefined) throw invalid('the X-GitHub-Event header is missing', '缺少 X-GitHub-Event 请求头');
    if (!PACKAGE_EVENTS.includes(event)) return ignored(`${shown(event)} event`, deliveryId);

    const action = str(body.action) ?? '';
    if (!PUSH_ACTIONS.includes(action)) return ignored(`package ${shown(action)} event`, deliveryId);
    const pkg = obj(body[event]);
    const type = (str(pkg.package_type) ?? '').toLowerCase();
    if (type !== 'container') return ignored(`package of type ${shown(type) || 'unknown'}`, deliveryId);
    const namespace = str(pkg.namespace);
    const name = str(pkg.name);
    if (!namespace || !name) throw invalid(`${event}.namespace and ${event}.name are required`, `缺少 ${event}.namespace 或 ${event}.name`);
    const tag = obj(obj(obj(pkg.package_version).container_metadata).tag);
    const tagName = str(tag.name);
    if (tagName === undefined) throw invalid(`${event}.package_version.container_metadata.tag.name is required`, `缺少 ${event}.package_version.container_metadata.tag.name`);
    if (tagName === '') return ignored('untagged manifest push', deliveryId);
    return {
      pushes: [pushEvent({ registry: 'github', host: 'ghcr.io', path: `${namespace}/${name}`, tag: tagName, digest: str(tag.digest) || undefined })],
      deliveryId,
    };
  },
};
