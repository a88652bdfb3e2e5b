import { AppError } from '../../common/app-error';
import { Errors } from '../../common/error-codes';
import { DIGEST_PATTERN, PATH_PATTERN, PushEvent, TAG_PATTERN } from '../push-event';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length <= 512 ? v : undefined);

function invalid(en: string, zh: string): AppError {
  return new AppError(Errors.WEBHOOK_PAYLOAD_INVALID, { zh, en });
}

/** Validates the parts every registry gives us, so nothing malformed reaches a docker argv. */
function event(e: Omit<PushEvent, 'path'> & { path: string }): PushEvent {
  const path = e.path.toLowerCase();
  if (!PATH_PATTERN.test(path) || path.length > 255) throw invalid(`invalid repository "${e.path}"`, `仓库名无效："${e.path}"`);
  if (!TAG_PATTERN.test(e.tag)) throw invalid(`invalid tag "${e.tag}"`, `标签无效："${e.tag}"`);
  if (e.digest !== undefined && !DIGEST_PATTERN.test(e.digest)) throw invalid(`invalid digest "${e.digest}"`, `摘要无效："${e.digest}"`);
  return { ...e, path };
}

/**
 * Alibaba Cloud Container Registry (personal edition):
 * {push_data: {digest, pushed_at, tag}, repository: {name, namespace, region, repo_full_name, ...}}.
 * The image lives at registry.{region}.aliyuncs.com, or the VPC / internal endpoints of that region.
 */
export function parseAliyun(body: Json): PushEvent {
  const push = body.push_data as Json;
  const repo = body.repository as Json;
  const region = str(repo.region);
  const namespace = str(repo.namespace);
  const name = str(repo.name);
  const tag = str(push.tag);
  if (!region || !/^[a-z0-9-]{1,40}$/.test(region)) throw invalid('repository.region is missing or invalid', 'repository.region 缺失或无效');
  if (!namespace || !name) throw invalid('repository.namespace and repository.name are required', '缺少 repository.namespace 或 repository.name');
  if (!tag) throw invalid('push_data.tag is required', '缺少 push_data.tag');
  const hosts = ['registry', 'registry-vpc', 'registry-internal'].map((prefix) => `${prefix}.${region}.aliyuncs.com`);
  return event({
    registry: 'aliyun',
    path: `${namespace}/${name}`,
    hostMatches: (host) => hosts.includes(host),
    repository: `registry.${region}.aliyuncs.com/${namespace}/${name}`.toLowerCase(),
    tag,
    digest: str(push.digest) || undefined,
  });
}

/**
 * Docker Hub: {push_data: {tag, pusher, pushed_at}, repository: {repo_name: "user/app", ...}}.
 * https://docs.docker.com/docker-hub/repos/manage/webhooks/
 */
export function parseDockerHub(body: Json): PushEvent {
  const repoName = str((body.repository as Json).repo_name);
  const tag = str((body.push_data as Json).tag);
  if (!repoName || !tag) throw invalid('repository.repo_name and push_data.tag are required', '缺少 repository.repo_name 或 push_data.tag');
  const path = repoName.includes('/') ? repoName : `library/${repoName}`;
  return event({
    registry: 'dockerhub',
    path,
    hostMatches: (host) => ['docker.io', 'index.docker.io', 'registry-1.docker.io'].includes(host),
    repository: `docker.io/${path}`.toLowerCase(),
    tag,
  });
}

/**
 * CNCF Distribution (docker registry, GitLab's registry) notifications: {events: [...]}, possibly for
 * several repositories at once. Only a manifest push with a tag is an image push; blob pushes and
 * pulls are ignored. https://distribution.github.io/distribution/about/notifications/
 */
export function parseDistribution(body: Json): PushEvent[] {
  const events = Array.isArray(body.events) ? (body.events as unknown[]) : [];
  return events
    .filter(
      (e): e is Json =>
        isObject(e) &&
        e.action === 'push' &&
        isObject(e.target) &&
        typeof e.target.tag === 'string' &&
        /manifest|image\.index/.test(String(e.target.mediaType ?? '')),
    )
    .map((e) => {
      const target = e.target as Json;
      const host = str(isObject(e.request) ? e.request.host : undefined)?.toLowerCase();
      const repository = str(target.repository);
      if (!host || !repository) throw invalid('events[].request.host and target.repository are required', '缺少 request.host 或 target.repository');
      return event({
        registry: 'distribution',
        path: repository,
        hostMatches: (h) => h === host,
        repository: `${host}/${repository}`.toLowerCase(),
        tag: str(target.tag) ?? '',
        digest: str(target.digest),
      });
    });
}

/**
 * Harbor: {type: "PUSH_ARTIFACT", event_data: {resources: [{tag, digest, resource_url}], repository: {repo_full_name}}}.
 * https://goharbor.io/docs/main/working-with-projects/project-configuration/configure-webhooks/
 */
export function parseHarbor(body: Json): PushEvent {
  const data = body.event_data as Json;
  const resource = (Array.isArray(data?.resources) ? data.resources : []).find(isObject) as Json | undefined;
  const fullName = str(isObject(data?.repository) ? data.repository.repo_full_name : undefined);
  const url = str(resource?.resource_url);
  const tag = str(resource?.tag);
  if (!resource || !fullName || !url || !tag) throw invalid('event_data.resources[0] and repository.repo_full_name are required', '缺少 event_data.resources 或 repository.repo_full_name');
  const host = url.split('/')[0].toLowerCase();
  return event({
    registry: 'harbor',
    path: fullName,
    hostMatches: (h) => h === host,
    repository: `${host}/${fullName}`.toLowerCase(),
    tag,
    digest: str(resource.digest),
  });
}

/**
 * Which registry the payload's shape says it comes from (see the README's table), whether or not its
 * fields are valid; undefined for a non-object or an unrecognised shape.
 */
export function registryOf(body: unknown): PushEvent['registry'] | undefined {
  if (!isObject(body)) return undefined;
  if (isObject(body.push_data) && isObject(body.repository)) return 'region' in body.repository ? 'aliyun' : 'dockerhub';
  if (Array.isArray(body.events)) return 'distribution';
  if (typeof body.type === 'string' && isObject(body.event_data)) return 'harbor';
  return undefined;
}

/**
 * Recognises the registry from the payload's shape and returns its image pushes, oldest first: empty
 * for a notification that is not an image push (a pull, a blob upload, a Harbor delete...).
 */
export function parsePushEvents(body: unknown): PushEvent[] {
  if (!isObject(body)) throw invalid('the body must be a JSON object', '请求体必须是 JSON 对象');
  switch (registryOf(body)) {
    case 'aliyun':
      return [parseAliyun(body)];
    case 'dockerhub':
      return [parseDockerHub(body)];
    case 'distribution':
      return parseDistribution(body);
    case 'harbor':
      return body.type === 'PUSH_ARTIFACT' ? [parseHarbor(body)] : [];
    default:
      throw invalid('unrecognised registry payload (expected Alibaba Cloud ACR, Docker Hub, Harbor or registry notifications)', '无法识别的镜像仓库通知格式');
  }
}
