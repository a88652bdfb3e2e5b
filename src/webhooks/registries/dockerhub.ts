import { invalid, isObject, obj, pushEvent, str } from './payload-fields';
import type { RegistryFormat } from './registry-format';

const HUB_HOSTS = ['docker.io', 'index.docker.io', 'registry-1.docker.io'];

/**
 * Docker Hub: {callback_url, push_data: {tag, pusher, pushed_at}, repository: {repo_name: "user/app", ...}}.
 * Official images are named without a namespace ("nginx") and live under library/. No digest, no
 * signature, no delivery id. https://docs.docker.com/docker-hub/repos/manage/webhooks/
 */
export const dockerhub: RegistryFormat = {
  id: 'dockerhub',
  label: 'Docker Hub',
  proof: 'token',
  // No delivery timeout is documented, so WEBHOOK_WAIT_SECONDS alone decides how long the answer waits.
  answerWithinMs: undefined,
  detect: ({ body }) => isObject(body) && isObject(body.push_data) && isObject(body.repository) && !('region' in body.repository),
  parse({ body }) {
    if (!isObject(body)) throw invalid('the body must be a JSON object', '请求体必须是 JSON 对象');
    const repoName = str(obj(body.repository).repo_name);
    const tag = str(obj(body.push_data).tag);
    if (!repoName) throw invalid('repository.repo_name is required', '缺少 repository.repo_name');
    if (!tag) throw invalid('push_data.tag is required', '缺少 push_data.tag');
    const path = repoName.includes('/') ? repoName : `library/${repoName}`;
    return { pushes: [pushEvent({ registry: 'dockerhub', host: 'docker.io', path, tag, hostMatches: (h) => HUB_HOSTS.includes(h) })] };
  },
};
