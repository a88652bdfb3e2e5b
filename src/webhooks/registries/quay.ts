import { hostOf, ignored, invalid, isObject, pushEvent, str } from './payload-fields';
import type { RegistryFormat } from './registry-format';

/**
 * Quay (quay.io and Red Hat Quay) "repository push" notification: {repository: "ns/repo", namespace,
 * name, docker_url: "quay.io/ns/repo", homepage, updated_tags: ["latest", ...]}; old deliveries had
 * updated_tags as {tag: image id}. One push per tag, no digest. Build and security notifications share
 * the repository/docker_url fields without updated_tags.
 * https://docs.redhat.com/en/documentation/red_hat_quay/3.12/html/use_red_hat_quay/repository-events
 */
export const quay: RegistryFormat = {
  id: 'quay',
  label: 'Quay',
  proof: 'token',
  // NOTIFICATION_SEND_TIMEOUT, default 10 s:
  // https://github.com/quay/quay/blob/master/notifications/notificationmethod.py (METHOD_TIMEOUT)
  answerWithinMs: 10_000,
  detect: ({ body }) => isObject(body) && typeof body.repository === 'string' && typeof body.docker_url === 'string',
  parse({ body }) {
    if (!isObject(body)) throw invalid('the body must be a JSON object', '请求体必须是 JSON 对象');
    const repository = str(body.repository);
    const dockerUrl = str(body.docker_url);
    if (!repository) throw invalid('repository is required', '缺少 repository');
    const host = dockerUrl ? hostOf(dockerUrl) : undefined;
    if (!host) throw invalid('docker_url is missing or has no host', 'docker_url 缺失或不含主机名');
    const updated = body.updated_tags;
    if (updated === undefined) return ignored('notification without updated_tags (not a repository push)');
    const tags = Array.isArray(updated) ? updated : isObject(updated) ? Object.keys(updated) : undefined;
    if (!tags || !tags.length) throw invalid('updated_tags must list the pushed tags', 'updated_tags 必须列出推送的标签');
    const pushes = tags.map((tag, i) => {
      if (typeof tag !== 'string') throw invalid(`updated_tags[${i}] must be a string`, `updated_tags[${i}] 必须是字符串`);
      return pushEvent({ registry: 'quay', host, path: repository, tag });
    });
    return { pushes };
  },
};
