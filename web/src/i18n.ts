import { createI18n } from 'vue-i18n';

const en = {
  app: { title: 'docker-deploy-script', skip: 'Skip to content', menu: 'Menu', language: 'Language', logout: 'Log out', docs: 'API docs' },
  nav: { scripts: 'Stacks', deployments: 'Deployments', registries: 'Registries', channels: 'Notifications', users: 'Users' },
  common: {
    save: 'Save', cancel: 'Cancel', delete: 'Delete', edit: 'Edit', create: 'Create', refresh: 'Refresh', copy: 'Copy', copied: 'Copied',
    confirm: 'Confirm', yes: 'Yes', no: 'No', loading: 'Loading…', none: 'None', actions: 'Actions', name: 'Name', status: 'Status',
    created: 'Created', updated: 'Updated', back: 'Back', search: 'Filter by name', saved: 'Saved', deleted: 'Deleted', close: 'Close',
    total: '{n} in total', details: 'Details',
  },
  login: {
    title: 'Log in', register: 'Register', username: 'Username', password: 'Password', name: 'Display name', phone: 'Phone',
    submit: 'Log in', submitRegister: 'Register', registered: 'Account created. You can log in now.',
    pending: 'Account created. An administrator must approve it before you can log in.',
    ended: 'Your session ended: {reason}. Please log in again.',
  },
  scripts: {
    title: 'Stacks', new: 'New stack', empty: 'No stacks yet. Create one to deploy a compose file.',
    state: 'On the swarm', image: 'Images', lastDeployment: 'Last deployment', autoUpdate: 'Auto-update',
    deployed: 'deployed', notDeployed: 'not deployed', unknown: 'unknown', services: 'Services', running: 'running', desired: 'desired',
    name: 'Stack name', nameHelp: '1-30 of a-z 0-9 _ -, starting with a letter or digit', compose: 'Compose file',
    autoUpdateHelp: 'Registry webhooks may roll this stack', webhook: 'Webhook URL', webhookHelp: 'Give this URL to your registry. Anyone who has it can roll this stack.',
    rotate: 'Rotate token', rotateConfirm: 'The current webhook URL stops working at once. Registries must be given the new one.', rotated: 'New token issued',
    deploy: 'Deploy', update: 'Update image', remove: 'Remove from swarm', deleteScript: 'Delete stack',
    deployConfirm: 'Deploy {name} with this compose file?', removeConfirm: 'Remove {name} from the swarm? Its services stop; volumes stay.',
    deleteConfirm: 'Delete the saved stack {name}?', deleteAlsoRemove: 'Also remove it from the swarm',
    repository: 'Repository', tag: 'Tag', service: 'Service (optional)', history: 'History', secrets: 'Secrets',
    stackError: 'Docker did not answer: {error}', editorHint: 'Errors are marked at their line. Ctrl/⌘+S saves.',
    line: 'Line {line}', savedNotDeployed: 'Saved. Deploy to apply it on the swarm.',
    typeName: 'Type {name} to confirm', everyone: 'All users', owner: 'Owner (user id)',
  },
  deployments: {
    title: 'Deployments', action: 'Action', trigger: 'Trigger', image: 'Image', previous: 'Previous image', duration: 'Duration', when: 'When',
    output: 'Output', live: 'Live', waiting: 'Waiting for output…', progress: 'Progress', stack: 'Stack', source: 'Source', all: 'All statuses',
    outcome: {
      queued: 'Queued: waiting for the stack’s earlier deployment to finish.',
      running: 'Running…',
      succeeded: 'Succeeded.',
      succeeded_create: 'Succeeded: the stack is deployed.',
      succeeded_update: 'Succeeded: every service converged on the new image.',
      succeeded_remove: 'Succeeded: the stack is removed from the swarm.',
      succeeded_adopt: 'Succeeded: the stack is now managed here.',
      failed: 'Failed because {error}',
      rolled_back: 'Rolled back because {error}',
      superseded: 'Not run: a newer push for this stack replaced it.',
      interrupted: 'Interrupted because {error}',
      unknownError: 'of an error the output shows',
    },
    status: { queued: 'queued', running: 'running', succeeded: 'succeeded', failed: 'failed', rolled_back: 'rolled back', superseded: 'superseded', interrupted: 'interrupted' },
    actions: { create: 'deploy', remove: 'remove', update: 'update', adopt: 'adopt' },
    triggers: { manual: 'manual', webhook: 'webhook' },
  },
  secrets: { title: 'Stack secrets', help: 'Values are write-only: they go to docker secret create and are never shown again.', value: 'Value', set: 'Set value', redeploy: 'Redeployment #{id} queued to use it.' },
  webhooks: {
    settings: 'Webhook', tagPolicy: 'Tags that roll the stack', level: 'Range', prerelease: 'Allow pre-releases', pattern: 'Pattern',
    kinds: { all: 'Every pushed tag', never: 'None (deploy by hand only)', semver: 'A higher semantic version', glob: 'Tags matching a pattern (glob)', regex: 'Tags matching a regular expression (RE2)' },
    levels: { major: 'Any higher version (major)', minor: 'Same major version (minor)', patch: 'Same minor version (patch)' },
    semverHelp: 'Only a version above the one running rolls, e.g. 1.4.6 → 1.5.0 within minor; other tags are refused.',
    globHelp: 'The whole tag must match: * is any characters, ? one, e.g. prod-*', regexHelp: 'RE2 syntax, matched against the whole tag, e.g. v[0-9]+',
    secret: 'Signing secret',
    secretHelp: 'Shared with the registry: it signs deliveries (GitHub, Gitea, Forgejo) or travels in a secret header (Harbor, Distribution, GitLab, Azure, Tencent). Write-only: copy it before saving, it is never shown again.',
    secretSaved: 'A secret is saved. Enter or generate a new one to replace it.', generate: 'Generate', removeSecret: 'Remove secret',
    secretRemoved: 'The saved secret is removed when you save.', keepSecret: 'Keep it',
    requireSignature: 'Require a signature or secret header', requireSignatureHelp: 'Deliveries proved only by the URL token are refused.',
    requireNeedsSecret: 'Needs a signing secret.',
    policyLine: 'Tag policy: {policy}', secretLine: 'Signing secret: {state}', secretSet: 'set', secretNotSet: 'not set',
    required: 'a signature or secret header is required', notRequired: 'the URL token is enough',
    deliveries: 'Webhook deliveries', deliveriesHelp: 'Every push the webhook received, newest first, and why it rolled the stack or not.',
    received: 'Received', registry: 'Registry', image: 'Image', proof: 'Proof', decision: 'Outcome', reason: 'Reason',
    payload: 'Body (excerpt)', answer: 'Answered HTTP {status}, code {code}', delivery: 'Delivery {id}', unknownSource: 'unrecognised',
    proofs: { signature: 'signature', header: 'secret header', token: 'URL token', missing: 'none', invalid: 'invalid' },
    decisions: {
      deployed: 'Rolled', duplicate: 'Replay, ignored', refused_by_policy: 'Refused by tag policy', ignored: 'Ignored', no_match: 'No service runs this image',
      auto_update_off: 'Auto-update is off', bad_token: 'Bad token', bad_signature: 'Bad signature', signature_required: 'Signature required',
      invalid_payload: 'Invalid payload', failed: 'Could not be queued',
    },
    linked: { deployed: 'Rolled as #{id}', duplicate: 'Replay of #{id}' },
  },
  registries: {
    title: 'Registry credentials', help: 'Credentials let deployments pull private images. Passwords are write-only and stored encrypted.',
    host: 'Registry host', username: 'Username', password: 'Password or token', shared: 'Shared with every user', lastUse: 'Last use',
    ok: 'worked', failedUse: 'failed', never: 'not used yet', new: 'Add credential', keep: 'Leave empty to keep the saved password',
  },
  channels: {
    title: 'Notification channels', new: 'Add channel', type: 'Type', target: 'Delivers to', events: 'Events', isDefault: 'Default',
    isDefaultHelp: 'Used for stacks with no channel attached', scripts: 'Stacks', language: 'Message language', url: 'Robot or webhook URL',
    secret: 'Signing secret', hasSecret: 'a secret is saved', keepSecret: 'Leave empty to keep the saved one', test: 'Send test',
    tested: 'The receiver accepted the test: {response}', deliveries: 'Deliveries', attempts: 'Attempts', response: 'Answer',
    smtpHost: 'SMTP host', smtpPort: 'Port', security: 'Security', from: 'From', to: 'To (comma separated)',
    event: { started: 'started', succeeded: 'succeeded', failed: 'failed', rolled_back: 'rolled back', timed_out: 'timed out', interrupted: 'interrupted', superseded: 'superseded' },
  },
  users: {
    title: 'Users', role: 'Role', state: 'State', enabled: 'active', disabled: 'disabled or awaiting approval', approve: 'Approve / enable',
    disable: 'Disable', makeAdmin: 'Make ADMIN', makeUser: 'Make USER',
  },
};

const zh: typeof en = {
  app: { title: 'docker-deploy-script', skip: '跳到正文', menu: '菜单', language: '语言', logout: '退出登录', docs: 'API 文档' },
  nav: { scripts: '栈', deployments: '部署记录', registries: '镜像仓库', channels: '通知', users: '用户' },
  common: {
    save: '保存', cancel: '取消', delete: '删除', edit: '编辑', create: '创建', refresh: '刷新', copy: '复制', copied: '已复制',
    confirm: '确认', yes: '是', no: '否', loading: '加载中…', none: '无', actions: '操作', name: '名称', status: '状态',
    created: '创建时间', updated: '更新时间', back: '返回', search: '按名称筛选', saved: '已保存', deleted: '已删除', close: '关闭',
    total: '共 {n} 条', details: '详情',
  },
  login: {
    title: '登录', register: '注册', username: '用户名', password: '密码', name: '显示名称', phone: '手机号',
    submit: '登录', submitRegister: '注册', registered: '账号已创建，现在可以登录。',
    pending: '账号已创建，需管理员审核通过后才能登录。',
    ended: '登录会话已结束：{reason}。请重新登录。',
  },
  scripts: {
    title: '栈', new: '新建栈', empty: '还没有栈。新建一个来部署 compose 文件。',
    state: 'Swarm 状态', image: '镜像', lastDeployment: '最近部署', autoUpdate: '自动更新',
    deployed: '已部署', notDeployed: '未部署', unknown: '未知', services: '服务', running: '运行中', desired: '期望',
    name: '栈名称', nameHelp: '1-30 个 a-z 0-9 _ - 字符，以字母或数字开头', compose: 'Compose 文件',
    autoUpdateHelp: '允许镜像仓库的 webhook 更新此栈', webhook: 'Webhook 地址', webhookHelp: '把此地址填到镜像仓库。拿到它的人都能更新此栈。',
    rotate: '更换令牌', rotateConfirm: '当前 webhook 地址立即失效，需要把新地址填到镜像仓库。', rotated: '已生成新令牌',
    deploy: '部署', update: '更新镜像', remove: '从 Swarm 移除', deleteScript: '删除栈',
    deployConfirm: '用当前 compose 文件部署 {name}？', removeConfirm: '从 Swarm 移除 {name}？其服务会停止，数据卷保留。',
    deleteConfirm: '删除已保存的栈 {name}？', deleteAlsoRemove: '同时从 Swarm 移除',
    repository: '镜像仓库', tag: '标签', service: '服务（可选）', history: '部署历史', secrets: '密钥',
    stackError: 'Docker 没有响应：{error}', editorHint: '错误会标在对应的行上。Ctrl/⌘+S 保存。',
    line: '第 {line} 行', savedNotDeployed: '已保存。部署后才会在 Swarm 上生效。',
    typeName: '输入 {name} 以确认', everyone: '所有用户', owner: '所有者（用户 ID）',
  },
  deployments: {
    title: '部署记录', action: '操作', trigger: '触发方式', image: '镜像', previous: '原镜像', duration: '耗时', when: '时间',
    output: '输出', live: '实时', waiting: '等待输出…', progress: '进度', stack: '栈', source: '来源', all: '全部状态',
    outcome: {
      queued: '排队中：等待该栈之前的部署完成。',
      running: '进行中…',
      succeeded: '成功。',
      succeeded_create: '成功：栈已部署。',
      succeeded_update: '成功：所有服务均已收敛到新镜像。',
      succeeded_remove: '成功：栈已从 Swarm 移除。',
      succeeded_adopt: '成功：该栈已由本服务管理。',
      failed: '失败，原因：{error}',
      rolled_back: '已回滚，原因：{error}',
      superseded: '未执行：该栈有更新的推送取代了它。',
      interrupted: '已中断，原因：{error}',
      unknownError: '见输出中的错误',
    },
    status: { queued: '排队中', running: '进行中', succeeded: '成功', failed: '失败', rolled_back: '已回滚', superseded: '已取代', interrupted: '已中断' },
    actions: { create: '部署', remove: '移除', update: '更新', adopt: '接管' },
    triggers: { manual: '手动', webhook: 'webhook' },
  },
  secrets: { title: '栈密钥', help: '值只写不读：交给 docker secret create，之后不再显示。', value: '值', set: '设置值', redeploy: '已排队重新部署 #{id} 以使用新值。' },
  webhooks: {
    settings: 'Webhook', tagPolicy: '哪些标签会更新此栈', level: '范围', prerelease: '允许预发布版本', pattern: '模式',
    kinds: { all: '所有推送的标签', never: '都不更新（只手动部署）', semver: '更高的语义化版本', glob: '匹配通配模式的标签（glob）', regex: '匹配正则表达式的标签（RE2）' },
    levels: { major: '任何更高版本（major）', minor: '同一主版本内（minor）', patch: '同一次版本内（patch）' },
    semverHelp: '只有高于当前运行版本的才会更新，例如 minor 范围内 1.4.6 → 1.5.0；其他标签被拒绝。',
    globHelp: '需匹配整个标签：* 为任意字符，? 为一个字符，例如 prod-*', regexHelp: 'RE2 语法，匹配整个标签，例如 v[0-9]+',
    secret: '签名密钥',
    secretHelp: '与镜像仓库共享：用于给推送签名（GitHub、Gitea、Forgejo），或放在密钥请求头中（Harbor、Distribution、GitLab、Azure、腾讯云）。只写不读：保存前请先复制，之后不再显示。',
    secretSaved: '已保存密钥。输入或生成新的密钥即可替换。', generate: '生成', removeSecret: '删除密钥',
    secretRemoved: '保存时将删除已保存的密钥。', keepSecret: '保留',
    requireSignature: '要求签名或密钥请求头', requireSignatureHelp: '只凭地址中的令牌的推送将被拒绝。',
    requireNeedsSecret: '需要先设置签名密钥。',
    policyLine: '标签策略：{policy}', secretLine: '签名密钥：{state}', secretSet: '已设置', secretNotSet: '未设置',
    required: '要求签名或密钥请求头', notRequired: '地址中的令牌即可',
    deliveries: 'Webhook 推送记录', deliveriesHelp: 'Webhook 收到的每次推送（最新在前），以及它是否更新了此栈、为什么。',
    received: '收到时间', registry: '镜像仓库', image: '镜像', proof: '凭证', decision: '结果', reason: '原因',
    payload: '请求体（节选）', answer: '响应 HTTP {status}，代码 {code}', delivery: '推送 {id}', unknownSource: '未识别',
    proofs: { signature: '签名', header: '密钥请求头', token: '地址令牌', missing: '无', invalid: '无效' },
    decisions: {
      deployed: '已更新', duplicate: '重复推送，已忽略', refused_by_policy: '被标签策略拒绝', ignored: '已忽略', no_match: '没有服务运行此镜像',
      auto_update_off: '自动更新已关闭', bad_token: '令牌错误', bad_signature: '签名错误', signature_required: '需要签名',
      invalid_payload: '请求体无效', failed: '无法排队部署',
    },
    linked: { deployed: '已更新为 #{id}', duplicate: '重复推送，见 #{id}' },
  },
  registries: {
    title: '镜像仓库凭据', help: '保存凭据后，部署可以拉取私有镜像。密码只写不读，加密保存。',
    host: '仓库地址', username: '用户名', password: '密码或令牌', shared: '所有用户共用', lastUse: '最近使用',
    ok: '成功', failedUse: '失败', never: '尚未使用', new: '添加凭据', keep: '留空则保留已保存的密码',
  },
  channels: {
    title: '通知渠道', new: '添加渠道', type: '类型', target: '发送到', events: '事件', isDefault: '默认',
    isDefaultHelp: '用于没有关联渠道的栈', scripts: '栈', language: '消息语言', url: '机器人或 webhook 地址',
    secret: '签名密钥', hasSecret: '已保存密钥', keepSecret: '留空则保留已保存的密钥', test: '发送测试',
    tested: '接收方已接受测试消息：{response}', deliveries: '发送记录', attempts: '尝试次数', response: '响应',
    smtpHost: 'SMTP 主机', smtpPort: '端口', security: '加密方式', from: '发件人', to: '收件人（逗号分隔）',
    event: { started: '开始', succeeded: '成功', failed: '失败', rolled_back: '已回滚', timed_out: '超时', interrupted: '中断', superseded: '已取代' },
  },
  users: {
    title: '用户', role: '角色', state: '状态', enabled: '正常', disabled: '已禁用或待审核', approve: '通过 / 启用',
    disable: '禁用', makeAdmin: '设为管理员', makeUser: '设为普通用户',
  },
};

export type Language = 'zh' | 'en';
const STORED = 'dds.language';

/** The stored choice, else the browser's first zh or en preference, else Chinese (the contract's language). */
export function initialLanguage(): Language {
  const stored = localStorage.getItem(STORED);
  if (stored === 'zh' || stored === 'en') return stored;
  for (const tag of navigator.languages ?? [navigator.language]) {
    const lang = tag.toLowerCase().split('-')[0];
    if (lang === 'en' || lang === 'zh') return lang;
  }
  return 'zh';
}

export const rememberLanguage = (language: Language) => localStorage.setItem(STORED, language);

export const i18n = createI18n({ legacy: false, locale: 'zh', fallbackLocale: 'en', messages: { en, zh } });
