import { MAX_COMPOSE_DEPTH } from '../scripts/compose/compose-depth';
import { MAX_JSON_DEPTH, MAX_JSON_OBJECT_KEYS } from './json-limits';

/**
 * The stable error catalogue: `code` goes into the envelope, never changes meaning, and is listed in
 * docs/errors.md (src/docs.spec.ts checks both ways). Feature modules add their own entries here so the
 * numbers stay unique.
 */
export interface ErrorDef {
  code: number;
  status: number;
  zh: string;
  en: string;
}

const def = (code: number, status: number, zh: string, en: string): ErrorDef => ({ code, status, zh, en });

export const Errors = {
  VALIDATION_FAILED: def(40000, 400, '参数校验失败', 'Validation failed'),
  BAD_REQUEST: def(40001, 400, '请求无效', 'Bad request'),
  MALFORMED_JSON: def(40002, 400, '请求体不是有效的 JSON', 'The request body is not valid JSON'),
  JSON_TOO_DEEP: def(40003, 400, `请求体 JSON 的对象和数组嵌套超过 ${MAX_JSON_DEPTH} 层`, `The JSON body nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep`),
  JSON_TOO_WIDE: def(40004, 400, `请求体 JSON 中有对象的键超过 ${MAX_JSON_OBJECT_KEYS} 个`, `An object in the JSON body has more than ${MAX_JSON_OBJECT_KEYS} keys`),
  BAD_URL: def(40005, 400, '请求地址的百分号编码无效', 'The URL is not valid percent-encoding'),
  PASSWORD_TOO_WEAK: def(40010, 400, '密码强度不足', 'Password is too weak'),
  COMPOSE_TOO_LARGE: def(40020, 400, 'compose 文件过大', 'The compose file is too large'),
  COMPOSE_INVALID_YAML: def(40021, 400, 'compose 文件不是有效的 YAML', 'The compose file is not valid YAML'),
  COMPOSE_NO_SERVICES: def(40022, 400, 'compose 文件缺少 services', 'The compose file has no services'),
  COMPOSE_IMAGE_INVALID: def(40023, 400, 'compose 文件中的镜像无效', 'A service image in the compose file is invalid'),
  COMPOSE_REJECTED_BY_DOCKER: def(40024, 400, 'docker 拒绝了该 compose 文件', 'docker refused the compose file'),
  COMPOSE_POLICY_VIOLATION: def(40025, 400, 'compose 文件包含普通用户不允许的配置', 'The compose file uses settings a USER may not deploy'),
  SERVICE_NAME_IMMUTABLE: def(40026, 400, 'serviceName 不能修改', 'serviceName cannot be changed'),
  COMPOSE_TOO_DEEP: def(40028, 400, `compose 文件的映射和序列嵌套超过 ${MAX_COMPOSE_DEPTH} 层`, `The compose file nests mappings and sequences more than ${MAX_COMPOSE_DEPTH} levels deep`),
  REPLICAS_LIMIT: def(40027, 400, '副本数超过普通用户的上限', 'More replicas than a USER may run per service'),

  UNAUTHENTICATED: def(40100, 401, '未登录或登录已过期', 'Missing, invalid or expired access token'),
  BAD_CREDENTIALS: def(40101, 401, '用户名或密码错误', 'Wrong username or password'),
  REFRESH_TOKEN_INVALID: def(40102, 401, '刷新令牌无效或已过期', 'Refresh token is invalid or expired'),
  REFRESH_TOKEN_REUSED: def(40103, 401, '刷新令牌已被使用，该登录会话已注销', 'Refresh token was already used; the session has been revoked'),

  FORBIDDEN: def(40300, 403, '没有权限', 'Forbidden'),
  USER_DISABLED: def(40301, 403, '账号已被禁用或待管理员审核', 'This account is disabled or awaiting admin approval'),
  REGISTRATION_CLOSED: def(40302, 403, '注册已关闭', 'Registration is closed'),
  LAST_ADMIN: def(40303, 403, '不能禁用或降级最后一个启用的管理员', 'Cannot disable or demote the last enabled admin'),
  STACK_LIMIT: def(40304, 403, '已达到每个用户可保存的栈数量上限', 'You have as many stacks as a USER may save'),

  NOT_FOUND: def(40400, 404, '资源不存在', 'Not found'),
  USER_NOT_FOUND: def(40401, 404, '用户不存在', 'User not found'),
  SCRIPT_NOT_FOUND: def(40410, 404, '脚本不存在', 'Script not found'),
  STACK_SECRET_NOT_FOUND: def(40411, 404, '栈密钥不存在', 'Stack secret not found'),

  CONFLICT: def(40900, 409, '资源冲突', 'Conflict'),
  USERNAME_TAKEN: def(40901, 409, '用户名已存在', 'Username is already taken'),
  SERVICE_NAME_TAKEN: def(40910, 409, 'serviceName 已被使用（Swarm 上的栈名全局唯一）', 'serviceName is already taken (stack names are global on a swarm)'),
  STACK_NOT_OURS: def(40912, 409, 'Swarm 上已有同名的栈，且不属于此脚本', 'A stack of that name runs on the swarm and is not this script\'s'),
  STACK_NAME_RESERVED: def(40913, 409, '该栈名已保留，普通用户不能使用', 'That stack name is reserved; a USER may not use it'),
  STACK_DEPLOYED: def(40911, 409, '该栈正在运行，请先移除或加上 ?removeService=true', 'The stack is deployed; remove it first or pass ?removeService=true'),

  PAYLOAD_TOO_LARGE: def(41300, 413, '请求体过大', 'Request body is too large'),
  URL_TOO_LONG: def(41400, 414, '请求地址中的路径参数过长', 'A path parameter in the URL is too long'),
  UNSUPPORTED_MEDIA_TYPE: def(41500, 415, '不支持的内容类型，请使用 application/json', 'Unsupported content type; use application/json'),
  TOO_MANY_REQUESTS: def(42900, 429, '请求过于频繁，请稍后再试', 'Too many requests; try again later'),

  INTERNAL: def(50000, 500, '服务器内部错误', 'Internal server error'),
  SERVICE_UNAVAILABLE: def(50300, 503, '服务暂不可用', 'Service unavailable'),

  // Deployments (create/remove/update a stack)
  INVALID_IMAGE_REFERENCE: def(40040, 400, '镜像仓库、标签或摘要格式无效', 'Invalid image repository, tag or digest'),
  NO_TARGET_SERVICE: def(40041, 400, '该栈中没有使用此镜像仓库的服务，也没有与栈同名的服务', 'No service of this stack uses that repository, and none is named like the stack'),
  UNKNOWN_COMPOSE_SERVICE: def(40042, 400, 'compose 文件中没有该服务', 'The compose file has no such service'),
  DEPLOYMENT_NOT_FOUND: def(40420, 404, '部署记录不存在', 'Deployment not found'),
  STACK_NOT_DEPLOYED: def(40920, 409, '该栈尚未部署，请先 createService', 'The stack is not deployed; run createService first'),
  DEPLOYMENT_SUPERSEDED: def(40921, 409, '该部署已被更新的推送取代，未执行', 'Superseded by a newer push; not run'),
  DEPLOYMENT_FAILED: def(50010, 500, '部署失败', 'Deployment failed'),
  DEPLOYMENT_ROLLED_BACK: def(50011, 500, '更新失败，已回滚到原镜像', 'The update failed and was rolled back'),
  DEPLOYMENT_INTERRUPTED: def(50012, 503, '部署被中断（服务重启、关闭或失去栈锁）', 'The deployment was interrupted (the service restarted or shut down, or lost its stack lock)'),
  DOCKER_UNAVAILABLE: def(50013, 503, '无法连接 Docker 引擎', 'The Docker engine is not reachable'),
  DEPLOYMENT_TIMEOUT: def(50014, 504, '部署超时，已终止', 'The deployment timed out and was stopped'),

  // Registry webhooks
  WEBHOOK_PAYLOAD_INVALID: def(40070, 400, '镜像仓库通知格式无效', 'Invalid registry webhook payload'),
  WEBHOOK_NO_MATCH: def(40071, 400, '推送的镜像与该服务的任何容器都不匹配，未执行任何操作', 'The pushed image matches no service of this stack; nothing was run'),
  AUTO_UPDATE_DISABLED: def(40370, 403, '该服务未开启自动更新，未执行任何操作', 'Auto-update is off for this service; nothing was run'),
  WEBHOOK_NOT_FOUND: def(40430, 404, '用户、服务或令牌无效', 'Unknown user, service or token'),
  SIGNING_SECRET_NEEDED: def(40073, 400, '要求签名前需要先设置签名密钥', 'requireSignature needs a signingSecret'),
  TAG_REFUSED_BY_POLICY: def(40074, 400, '推送的标签不符合该服务的标签策略，未执行任何操作', "The pushed tag is refused by this stack's tag policy; nothing was run"),
  WEBHOOK_SIGNATURE_INVALID: def(40131, 401, '签名或密钥头无效，未执行任何操作', 'The signature or secret header is wrong; nothing was run'),
  WEBHOOK_SIGNATURE_REQUIRED: def(40132, 401, '该服务要求签名或密钥头，仅凭 URL 令牌不够', 'This stack requires a signature or secret header; the URL token alone is not enough'),

  // Private registries and pinned digests
  REGISTRY_AUTH_FAILED: def(40050, 400, '镜像仓库拒绝了该凭据（或需要凭据）', 'The registry refused the credentials (or requires some)'),
  REGISTRY_CREDENTIAL_NOT_FOUND: def(40440, 404, '镜像仓库凭据不存在', 'Registry credential not found'),
  IMAGE_TAG_NOT_FOUND: def(40441, 404, '镜像仓库中没有该镜像标签，未执行任何操作', 'The registry has no such image tag; nothing was run'),
  REGISTRY_CREDENTIAL_EXISTS: def(40940, 409, '该镜像仓库已保存凭据，请用 PUT 修改', 'A credential for that registry is already saved; change it with PUT'),
  DIGEST_MISMATCH: def(40941, 409, '镜像仓库中该标签并不指向推送的摘要，未执行任何操作', 'The registry does not hold the pushed digest under that tag; nothing was run'),
  REGISTRY_UNREACHABLE: def(50240, 502, '无法连接镜像仓库，未执行任何操作', 'The registry could not be reached; nothing was run'),

  // Notifications
  NOTIFICATION_TEST_FAILED: def(40060, 400, '接收方没有接受测试消息', 'The receiver did not accept the test message'),
  NOTIFICATION_CHANNEL_NOT_FOUND: def(40450, 404, '通知渠道不存在', 'Notification channel not found'),
  NOTIFICATION_CHANNEL_EXISTS: def(40950, 409, '已有同名的通知渠道', 'You already have a notification channel of that name'),
} satisfies Record<string, ErrorDef>;

export type ErrorName = keyof typeof Errors;
