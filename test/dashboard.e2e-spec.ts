import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Page } from 'playwright-core';
import { ARTIFACTS_DIR, assertBrowserReady, Browser, openBrowser } from './support/browser';
import { HttpReceiver } from './support/notification-receiver';
import { startRegistry } from './support/registry';
import { GOOD_PASSWORD, registerAndLogin, startTestApp, TestApp, uniqueName } from './support/test-app';
import { assertSwarm, docker, ensureTestImage, removeStacks } from './support/test-images';

const IMAGE = 'dds-e2e/dash';
const STACK_PREFIX = `dash${Date.now().toString(36).slice(-5)}`;
const ROLLOUT_MS = 90_000;

/** A compose file tuned for speed (1 s stop grace, short monitors); `extra` lines go under the service. */
const compose = (tag: string, extra: string[] = []) =>
  [
    'services:',
    '  web:',
    `    image: ${IMAGE}:${tag}`,
    ...extra,
    '    stop_grace_period: 1s',
    '    deploy:',
    '      update_config: {parallelism: 1, delay: 0s, monitor: 1s}',
    '      rollback_config: {parallelism: 0, delay: 0s, monitor: 1s}',
    '',
  ].join('\n');

/** Replaces the compose editor's text the way a paste does (typing would auto-indent). */
async function setEditor(page: Page, text: string) {
  await page.click('.cm-content');
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

async function logIn(page: Page, baseUrl: string, username: string) {
  await page.goto(`${baseUrl}/login`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', GOOD_PASSWORD);
  await page.click('[data-testid=login-submit]');
  await page.waitForURL(/\/scripts$/);
}

/** Clicks the confirming button of the open confirmation dialog. */
async function confirmDialog(page: Page) {
  await page.locator('.n-dialog__action button').last().click();
}

/** Waits for the live log's final outcome and returns it with the log text. */
async function outcome(page: Page, deploymentId?: number) {
  const scope = deploymentId ? page.locator(`[data-testid=live]:has-text("#${deploymentId}")`) : page;
  const box = scope.locator('[data-testid=outcome]');
  await box.waitFor({ timeout: ROLLOUT_MS });
  return { status: await box.getAttribute('data-status'), text: (await box.innerText()).trim(), log: await scope.locator('[data-testid=log]').innerText() };
}

/** The id in the live card's title ("Live · #12"). */
async function liveDeploymentId(page: Page, notId?: number): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const title = await page.locator('[data-testid=live] .n-card-header__main').innerText().catch(() => '');
    const id = Number(/#(\d+)/.exec(title)?.[1]);
    if (id && id !== notId) return id;
    await page.waitForTimeout(100);
  }
  throw new Error('no live deployment appeared');
}

describe('the dashboard in a real browser', () => {
  let t: TestApp;
  let admin: { authorization: string; username: string };
  const browsers: Browser[] = [];
  const open = async (opts?: Parameters<typeof openBrowser>[0]) => {
    const b = await openBrowser(opts);
    browsers.push(b);
    return b;
  };

  beforeAll(async () => {
    assertSwarm();
    assertBrowserReady();
    ensureTestImage(`${IMAGE}:1`);
    ensureTestImage(`${IMAGE}:2`);
    // Registration as a new instance ships it: USERs wait for an ADMIN's approval.
    t = await startTestApp({ REGISTRATION: 'approval' });
    admin = await registerAndLogin(t, uniqueName('admin')); // the first user is the ADMIN
  });

  afterAll(async () => {
    for (const b of browsers) await b.close().catch(() => undefined);
    removeStacks(STACK_PREFIX);
    await t?.close();
  });

  afterEach(() => {
    for (const b of browsers) expect(b.errors).toEqual([]);
  });

  const alice = uniqueName('alice');
  const stack = `${STACK_PREFIX}a`;
  let scriptId = 0;

  it('is served by the app itself: pages with a strict CSP, hashed assets, the API unchanged', async () => {
    for (const path of ['/', '/scripts', '/scripts/12/edit', '/deployments/3']) {
      const res = await fetch(`${t.baseUrl}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
      const html = await res.text();
      // Everything loads from this origin: no CDN or other outside address.
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
      const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1];
      const js = await fetch(`${t.baseUrl}${asset}`);
      expect(js.status).toBe(200);
      expect(js.headers.get('cache-control')).toContain('immutable');
    }
    expect((await t.request('GET', '/assets/missing.js')).body.code).toBe(40400);
    expect((await t.request('GET', '/nowhere')).body.code).toBe(40400);
    expect((await t.request('GET', '/web/user/me')).body.code).toBe(40100);
  });

  it('registers a user who waits for approval, and an ADMIN approves them', async () => {
    const { page, shot } = await open();
    await page.goto(`${t.baseUrl}/`);
    await page.waitForURL(/\/login/);
    await shot('login');
    await page.click('[data-testid=mode-register]');
    await page.fill('input[name=reg-username]', alice);
    await page.fill('input[name=reg-password]', GOOD_PASSWORD);
    await page.fill('input[name=reg-name]', 'Alice');
    await page.fill('input[name=reg-phone]', '15159845510');
    await page.click('[data-testid=register-submit]');
    expect(await page.locator('[data-testid=notice]').innerText()).toMatch(/administrator must approve/);

    await page.fill('input[name=password]', GOOD_PASSWORD);
    await page.click('[data-testid=login-submit]');
    expect(await page.locator('[data-testid=login-error]').innerText()).toMatch(/awaiting admin approval/);

    const adminView = await open();
    await logIn(adminView.page, t.baseUrl, admin.username);
    await adminView.page.click('a[href="/users"]');
    await adminView.page.click(`[data-testid=approve-${alice}]`);
    await adminView.page.locator(`[data-testid=approve-${alice}]`).waitFor({ state: 'detached' });
    await adminView.shot('users');

    await page.click('[data-testid=login-submit]');
    await page.waitForURL(/\/scripts$/);
    expect(await page.locator('[data-testid=who]').innerText()).toContain(alice);
  });

  it('shows compose errors at their line, saves the fixed file, deploys, updates and removes with live output', async () => {
    const { page, shot } = await open();
    await logIn(page, t.baseUrl, alice);
    await page.click('[data-testid=new-script]');
    await page.fill('input[name=serviceName]', stack);

    // A YAML error: marked while typing, and refused by the API at the same line.
    await setEditor(page, 'services:\n  web:\n    image: [unclosed\n');
    await page.locator('.cm-lint-marker-error').first().waitFor();
    await page.click('[data-testid=save-script]');
    expect(await page.locator('[data-testid=save-error]').innerText()).toMatch(/not valid YAML/);

    // A setting a USER may not deploy: the API's refusal is shown at the line of that key.
    await setEditor(page, compose('1', ['    privileged: true']));
    await page.click('[data-testid=save-script]');
    const problem = page.locator('[data-testid=save-error] li');
    await problem.first().waitFor();
    expect(await problem.first().getAttribute('data-line')).toBe('4');
    expect(await problem.first().innerText()).toMatch(/services\.web\.privileged/);
    await page.locator('.cm-lint-marker-error').first().waitFor();
    await shot('compose-error');

    await setEditor(page, compose('1'));
    await page.click('[data-testid=save-script]');
    await page.waitForURL(/\/scripts\/\d+$/);
    scriptId = Number(/\/scripts\/(\d+)$/.exec(page.url())![1]);
    expect(await page.locator('[data-testid=stack-state]').getAttribute('data-state')).toBe('not-deployed');
    expect(await page.locator('[data-testid=webhook-url]').innerText()).toMatch(new RegExp(`/api/autoUpdate/\\d+/${stack}\\?token=`));

    // Deploy, confirmed in a dialog; the output streams and ends in plain words.
    await page.click('[data-testid=deploy]');
    await confirmDialog(page);
    const deployId = await liveDeploymentId(page);
    const deployed = await outcome(page, deployId);
    expect(deployed.status).toBe('succeeded');
    expect(deployed.text).toBe('Succeeded: the stack is deployed.');
    expect(deployed.log).toContain(`Creating service ${stack}_web`);

    // Update to a chosen tag: the live log reaches docker's "converged".
    await page.click('[data-testid=update]');
    await page.fill('input[name=tag]', '2');
    await page.click('[data-testid=update-submit]');
    const updateId = await liveDeploymentId(page, deployId);
    const updated = await outcome(page, updateId);
    expect(updated.status).toBe('succeeded');
    expect(updated.log).toMatch(/converged/i);
    expect(docker('service', 'inspect', '--format', '{{.Spec.TaskTemplate.ContainerSpec.Image}}', `${stack}_web`)).toContain(`${IMAGE}:2`);

    // The live state and the history show it.
    await page.reload();
    await page.locator('[data-testid=stack-state][data-state=deployed]').waitFor();
    expect(await page.locator('[data-testid=stack-state]').innerText()).toContain(`${IMAGE}:2`);
    const history = await page.locator('[data-testid=history]').innerText();
    expect(history).toContain(`#${updateId}`);
    expect(history).toContain(`${IMAGE}:2`);
    await shot('script');

    await page.click(`[data-testid=history] a[href="/deployments/${updateId}"]`);
    await page.waitForURL(new RegExp(`/deployments/${updateId}$`));
    const detail = await outcome(page);
    expect(detail.status).toBe('succeeded');
    expect(await page.locator('[data-testid=deployment-facts]').innerText()).toContain(`${IMAGE}:1`); // the previous image
    await shot('deployment');

    // Remove, confirmed: the stack leaves the swarm.
    await page.goBack();
    await page.click('[data-testid=remove]');
    await confirmDialog(page);
    const removeId = await liveDeploymentId(page, updateId);
    expect((await outcome(page, removeId)).status).toBe('succeeded');
    expect(docker('stack', 'ls', '--format', '{{.Name}}').split('\n')).not.toContain(stack);
  });

  it('lists the stacks with their live state, follows a language switch, and refreshes an expired token silently', async () => {
    const { page, shot } = await open();
    await logIn(page, t.baseUrl, alice);
    const row = page.locator(`[data-testid=scripts-table] tr:has([data-testid=script-link-${stack}])`);
    await row.waitFor();
    expect(await row.locator('[data-state]').getAttribute('data-state')).toBe('not-deployed');
    expect(await row.innerText()).toMatch(/succeeded/);
    await shot('scripts');

    await page.click('[data-testid=language]');
    await page.click('.n-base-select-option:has-text("中文")');
    await page.locator('h1:text-is("栈")').waitFor();
    expect(await page.evaluate('document.documentElement.lang')).toBe('zh-CN');
    expect(await page.evaluate("localStorage.getItem('dds.language')")).toBe('zh');

    // An access token the server no longer accepts: the next call refreshes and goes through.
    const session = () => page.evaluate<{ authorization: string; refreshToken: string }>("JSON.parse(localStorage.getItem('dds.session'))");
    const before = await session();
    await page.evaluate(`localStorage.setItem('dds.session', JSON.stringify({ ...JSON.parse(localStorage.getItem('dds.session')), authorization: 'expired.token.value' }))`);
    await page.reload();
    await row.waitFor();
    const after = await session();
    expect(after.authorization).not.toBe('expired.token.value');
    expect(after.refreshToken).not.toBe(before.refreshToken);
  });

  it("never shows one user another user's stacks", async () => {
    const bob = uniqueName('bob');
    const registered = await t.request('POST', '/web/user/login/registered', { body: { username: bob, password: GOOD_PASSWORD, name: 'Bob', phone: '15159845510' } });
    await t.request('PUT', `/web/admin/users/${registered.body.data.id}/disable`, { token: admin.authorization, body: { isDisable: 0 } });
    const { page } = await open();
    await logIn(page, t.baseUrl, bob);
    await page.locator('[data-testid=scripts-table] .n-data-table-empty').waitFor();
    expect(await page.locator('[data-testid=scripts-table]').innerText()).not.toContain(stack);

    await page.goto(`${t.baseUrl}/scripts/${scriptId}`);
    await page.locator('.n-message:has-text("Script not found")').first().waitFor();
    expect(await page.locator('[data-testid=script-name]').count()).toBe(0);
    await page.goto(`${t.baseUrl}/deployments`);
    await page.locator('[data-testid=deployments-table] .n-data-table-empty').waitFor();
  });

  it('keeps registry credentials, notification channels and stack secrets from their pages, never showing a secret', async () => {
    const login = { username: 'pusher', password: 'registry-pass-71' };
    const registry = await startRegistry('http://127.0.0.1:9/unused', { login });
    const receiver = new HttpReceiver();
    await receiver.start();
    try {
      const { page, shot } = await open();
      await logIn(page, t.baseUrl, admin.username);

      // A credential is checked against the registry before it is saved.
      await page.goto(`${t.baseUrl}/registries`);
      await page.click('[data-testid=new-registry]');
      await page.fill('input[name=host]', registry.host);
      await page.fill('input[name=registry-username]', login.username);
      await page.fill('input[name=registry-password]', 'wrong-password-1');
      await page.click('.n-modal button[type=submit]');
      await page.locator('.n-message:has-text("40050")').first().waitFor();
      await page.fill('input[name=registry-password]', login.password);
      await page.click('.n-modal button[type=submit]');
      await page.locator(`[data-testid=registries-table] td:has-text("${registry.host}")`).waitFor();
      await page.locator('.n-modal').waitFor({ state: 'detached' });
      expect(await page.content()).not.toContain(login.password);
      await shot('registries');

      // A channel, its test message delivered to a real receiver, and its delivery log.
      await page.goto(`${t.baseUrl}/channels`);
      await page.click('[data-testid=new-channel]');
      await page.fill('input[name=channel-name]', 'ops');
      await page.fill('input[name=channel-url]', `${receiver.origin}/hook`);
      await page.click('.n-modal button[type=submit]');
      const row = page.locator('[data-testid=channels-table] tr:has-text("ops")');
      await row.waitFor();
      await row.locator('button:has-text("Send test")').click();
      await page.locator('.n-message:has-text("The receiver accepted the test")').first().waitFor();
      expect(receiver.to('/hook')).toHaveLength(1);
      await row.locator('button:has-text("Deliveries")').click();
      await page.locator('.n-drawer .n-data-table').waitFor();
      await shot('channels');

      // A stack secret: the value goes in once and is never shown.
      const user = await open();
      await logIn(user.page, t.baseUrl, alice);
      await user.page.goto(`${t.baseUrl}/scripts/${scriptId}`);
      await user.page.click('[data-testid=new-secret]');
      await user.page.fill('input[name=secret-name]', 'db_password');
      await user.page.fill('input[name=secret-value]', 'hunter2-value-93');
      await user.page.click('.n-modal button[type=submit]');
      await user.page.locator('[data-testid=secrets] li:has-text("db_password")').waitFor();
      await user.page.reload();
      await user.page.locator('[data-testid=secrets] li:has-text("db_password")').waitFor();
      expect(await user.page.content()).not.toContain('hunter2-value-93');
    } finally {
      await receiver.stop();
      await registry.stop();
    }
  });

  it('sets a tag policy and a signing secret, and shows why each webhook delivery rolled or not', async () => {
    const stackName = `${STACK_PREFIX}w`;
    const created = await t.request('POST', '/web/user/script', {
      token: admin.authorization,
      body: { serviceName: stackName, dockerComposeContent: `services:\n  web:\n    image: registry.cn-shanghai.aliyuncs.com/dashe2e/${stackName}:prod-1\n`, isAutoUpdate: 1 },
    });
    expect(created.body.code).toBe(0);
    const id = created.body.data.id;
    const { page, shot } = await open();
    await logIn(page, t.baseUrl, admin.username);
    await page.goto(`${t.baseUrl}/scripts/${id}/edit`);
    await page.locator('.cm-content').waitFor();

    // An invalid pattern: the API's message is shown on the policy field.
    await page.click('[data-testid=tag-policy-kind]');
    await page.click('.n-base-select-option:has-text("regular expression")');
    await page.fill('input[name=tag-policy-pattern]', '(');
    await page.click('[data-testid=save-script]');
    await page.locator('[data-testid=webhook-settings] .n-form-item-feedback--error').first().waitFor();

    await page.click('[data-testid=tag-policy-kind]');
    await page.click('.n-base-select-option:has-text("pattern (glob)")');
    await page.fill('input[name=tag-policy-pattern]', 'prod-*');
    await page.locator('[data-testid=webhook-settings] .n-form-item-feedback--error').waitFor({ state: 'detached', timeout: 5000 }); // cleared by the edit
    expect(await page.locator('[data-testid=require-signature]').getAttribute('class')).toContain('disabled');
    await page.click('[data-testid=generate-secret]');
    const secret = await page.inputValue('input[name=signing-secret]');
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    await shot('script-edit-webhook');
    await page.click('[data-testid=save-script]');
    await page.waitForURL(new RegExp(`/scripts/${id}$`));
    expect(await page.locator('[data-testid=tag-policy]').innerText()).toBe('glob:prod-*');
    expect(await page.locator('[data-testid=signing-secret]').getAttribute('data-set')).toBe('true');
    const saved = (await t.request('GET', `/web/user/script/${id}`, { token: admin.authorization })).body.data;
    expect(saved).toMatchObject({ tagPolicy: 'glob:prod-*', hasSigningSecret: true, requireSignature: false });
    expect(await page.content()).not.toContain(secret);

    // A push outside the policy and a body no registry sends, posted with the script's token.
    const hook = new URL(saved.autoUpdateUrl);
    const push = JSON.parse(readFileSync(join(__dirname, 'fixtures/webhooks/aliyun-acr-personal.json'), 'utf8'));
    push.push_data.tag = 'dev-1';
    Object.assign(push.repository, { namespace: 'dashe2e', name: stackName, repo_full_name: `dashe2e/${stackName}` });
    const refused = await t.request('POST', `${hook.pathname}${hook.search}`, { body: push });
    const invalid = await t.request('POST', `${hook.pathname}${hook.search}`, { body: { hello: 1 } });
    expect([refused.body.code, invalid.body.code]).not.toContain(0);

    await page.click('[data-testid=refresh-deliveries]');
    const table = page.locator('[data-testid=webhook-deliveries]');
    await table.locator('[data-decision=refused_by_policy]').waitFor();
    await table.locator('[data-decision=invalid_payload]').waitFor();
    const text = await table.innerText();
    expect(text).toContain('Refused by tag policy');
    expect(text).toContain(`dashe2e/${stackName}:dev-1`);
    expect(text).toContain('Invalid payload');
    // The newest row (the invalid body) opens to its payload and answer.
    await table.locator('.n-data-table-expand-trigger').first().click();
    const detail = table.locator('[data-testid^=delivery-detail-]');
    await detail.waitFor();
    expect(await detail.innerText()).toMatch(new RegExp(`HTTP ${invalid.status}, code ${invalid.body.code}[\\s\\S]*"hello": 1`));
    await page.locator('.n-card:has([data-testid=webhook-deliveries])').screenshot({ path: join(ARTIFACTS_DIR, 'webhook-deliveries.png') });
    await shot('script-webhooks');
  });

  it('works at phone width and from the keyboard', async () => {
    const { page, shot } = await open({ viewport: { width: 390, height: 844 } });
    await page.goto(`${t.baseUrl}/login`);
    await page.focus('input[name=username]');
    await page.keyboard.type(alice);
    await page.keyboard.press('Tab');
    await page.keyboard.type(GOOD_PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/scripts$/);
    await page.locator(`[data-testid=script-link-${stack}]`).waitFor();
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await page.click('[data-testid=menu]');
    await page.locator('.n-drawer a[href="/deployments"]').click();
    await page.waitForURL(/\/deployments$/);
    await page.locator('.n-drawer').waitFor({ state: 'hidden' }); // navigating closes the menu
    await page.locator('[data-testid=deployments-table] a[href^="/deployments/"]').first().waitFor();
    await shot('phone-deployments');
  });

  it('Swagger UI at /docs: authorize with a token and execute a call', async () => {
    const { page, shot } = await open();
    await page.goto(`${t.baseUrl}/docs`);
    await page.click('button.authorize');
    await page.fill('.modal-ux input', admin.authorization);
    await page.click('.modal-ux .auth-btn-wrapper button.authorize');
    await page.click('.modal-ux button.btn-done');
    await page.click('.opblock-summary-path[data-path="/web/user/me"]');
    await page.click('.opblock.is-open button.try-out__btn');
    await page.click('.opblock.is-open button.execute');
    const body = page.locator('.opblock.is-open .live-responses-table .response-col_description pre').first();
    await body.waitFor();
    expect(await body.innerText()).toContain(`"username": "${admin.username}"`);
    await shot('swagger');
  });
});
