import { createHmac } from 'node:crypto';
import { DataSource } from 'typeorm';
import { GOOD_PASSWORD, registerAndLogin, startTestApp, TestApp, uniqueName } from './support/test-app';

const register = (t: TestApp, username: string, extra: Record<string, unknown> = {}) =>
  t.request('POST', '/web/user/login/registered', {
    body: { username, password: GOOD_PASSWORD, name: username, phone: '15159845510', ...extra },
  });

describe('registration and the first admin', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ REGISTRATION: 'approval' })));
  afterAll(() => t.close());

  it('makes the first user an enabled ADMIN, in the contract shape', async () => {
    const res = await register(t, 'aatrox');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      code: 0,
      message: '成功',
      data: { id: expect.any(Number), role: 'ADMIN', username: 'aatrox', name: 'aatrox', phone: '15159845510', isDisable: 0 },
    });
    expect(Number.isSafeInteger(res.body.data.id)).toBe(true);
  });

  it('in approval mode registers later users disabled until an admin enables them', async () => {
    const name = uniqueName();
    const res = await register(t, name);
    expect(res.body.data).toMatchObject({ role: 'USER', isDisable: 1 });
    const login = await t.request('POST', '/web/user/login', { body: { username: name, password: GOOD_PASSWORD } });
    expect(login.status).toBe(403);
    expect(login.body.code).toBe(40301);

    const admin = await t.request('POST', '/web/user/login', { body: { username: 'aatrox', password: GOOD_PASSWORD } });
    const enable = await t.request('PUT', `/web/admin/users/${res.body.data.id}/disable`, { token: admin.body.data.authorization, body: { isDisable: 0 } });
    expect(enable.body).toMatchObject({ code: 0, data: { isDisable: 0 } });
    const again = await t.request('POST', '/web/user/login', { body: { username: name, password: GOOD_PASSWORD } });
    expect(again.body.code).toBe(0);
  });

  it('refuses the contract example password 123456 and says why', async () => {
    const res = await t.request('POST', '/web/user/login/registered', {
      body: { username: uniqueName(), password: '123456', name: 'x', phone: '15159845510' },
      headers: { 'accept-language': 'en-US,en;q=0.9' },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(40010);
    expect(res.body.message).toMatch(/at least 8 characters/);
  });

  it('refuses a common password', async () => {
    const res = await register(t, uniqueName(), { password: 'password123' });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/常见/);
  });

  it('gives 409 for a duplicate username, also for two concurrent registrations', async () => {
    const name = uniqueName();
    expect((await register(t, name)).body.code).toBe(0);
    const dup = await register(t, name);
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe(40901);

    const racer = uniqueName();
    const results = await Promise.all([register(t, racer), register(t, racer), register(t, racer)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
  });

  it.each([
    [{ username: 'ab' }, 'username'],
    [{ username: 'bad name!' }, 'username'],
    [{ phone: '12345' }, 'phone'],
    [{ phone: '+1234567890123456789012' }, 'phone'],
    [{ phone: '15159a45510' }, 'phone'],
    [{ name: '' }, 'name'],
    [{ name: 'x'.repeat(65) }, 'name'],
    [{ username: 42 }, 'username'],
    [{ isAdmin: true }, 'isAdmin'],
  ])('rejects %j naming the field %s, and creates nothing', async (override, field) => {
    const res = await register(t, uniqueName(), override);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(40000);
    expect(res.body.message).toContain(field);
    expect(res.body.data.errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it('rejects missing fields, bad JSON and other media types', async () => {
    const missing = await t.request('POST', '/web/user/login/registered', { body: {} });
    expect(missing.status).toBe(400);
    for (const f of ['username', 'password', 'name', 'phone']) expect(missing.body.message).toContain(f);
    const badJson = await t.request('POST', '/web/user/login/registered', { raw: '{"username":', headers: { 'content-type': 'application/json' } });
    expect(badJson.status).toBe(400);
    expect(badJson.body.code).toBe(40002);
    const text = await t.request('POST', '/web/user/login/registered', { raw: 'username=x', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    expect(text.body.code).toBe(41500);
  });

  it('refuses an oversized body with 413', async () => {
    const res = await register(t, uniqueName(), { name: 'x'.repeat(2 * 1024 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe(41300);
  });

  it('answers in English when Accept-Language prefers it', async () => {
    const res = await t.request('GET', '/web/user/me', { headers: { 'accept-language': 'en' } });
    expect(res.body).toEqual({ code: 40100, message: 'Missing, invalid or expired access token' });
  });
});

describe('registration modes', () => {
  it.each([
    ['open', 0],
    ['approval', 1],
  ])('REGISTRATION=%s registers the second user with isDisable %d', async (mode, isDisable) => {
    const t = await startTestApp({ REGISTRATION: mode });
    try {
      expect((await register(t, uniqueName())).body.data.role).toBe('ADMIN');
      const second = await register(t, uniqueName());
      expect(second.body.data).toMatchObject({ role: 'USER', isDisable });
    } finally {
      await t.close();
    }
  });

  it('REGISTRATION=closed lets only the first user in', async () => {
    const t = await startTestApp({ REGISTRATION: 'closed' });
    try {
      expect((await register(t, uniqueName())).body.data).toMatchObject({ role: 'ADMIN', isDisable: 0 });
      const second = await register(t, uniqueName());
      expect(second.status).toBe(403);
      expect(second.body.code).toBe(40302);
    } finally {
      await t.close();
    }
  });

  it('makes exactly one admin when the first registrations race', async () => {
    const t = await startTestApp({ REGISTRATION: 'open' });
    try {
      const results = await Promise.all([1, 2, 3, 4].map(() => register(t, uniqueName())));
      expect(results.every((r) => r.body.code === 0)).toBe(true);
      expect(results.filter((r) => r.body.data.role === 'ADMIN')).toHaveLength(1);
    } finally {
      await t.close();
    }
  });
});

describe('login, tokens and sessions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await registerAndLogin(t, uniqueName('admin'));
  });
  afterAll(() => t.close());

  it('logs in with the contract shape and reaches a protected route with raw and Bearer tokens', async () => {
    const name = uniqueName();
    await register(t, name);
    const res = await t.request('POST', '/web/user/login', { body: { username: name, password: GOOD_PASSWORD } });
    expect(res.body).toMatchObject({ code: 0, message: '成功' });
    expect(Object.keys(res.body.data).sort()).toEqual(['authorization', 'id', 'name', 'phone', 'refreshToken', 'role', 'username']);
    const token = res.body.data.authorization;
    const [, payload] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    expect(claims.exp - claims.iat).toBe(7200);

    const raw = await t.request('GET', '/web/user/me', { headers: { authorization: token } });
    expect(raw.body.data.username).toBe(name);
    const bearer = await t.request('GET', '/web/user/me', { token });
    expect(bearer.body.data.username).toBe(name);
  });

  it('gives the same error for an unknown user and a wrong password', async () => {
    const name = uniqueName();
    await register(t, name);
    const wrong = await t.request('POST', '/web/user/login', { body: { username: name, password: 'not-the-password' } });
    const unknown = await t.request('POST', '/web/user/login', { body: { username: uniqueName(), password: 'not-the-password' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.code).toBe(40101);
  });

  it('refuses missing, tampered, alg:none, expired and wrong-key tokens', async () => {
    const user = await registerAndLogin(t);
    const [header, payload, signature] = user.authorization.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const sign = (h: object, c: object, secret: string) => {
      const body = `${b64(h)}.${b64(c)}`;
      return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
    };
    const candidates = {
      missing: undefined,
      garbage: 'not-a-jwt',
      tampered: `${header}.${b64({ ...claims, role: 'ADMIN', sub: '1' })}.${signature}`,
      algNone: `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`,
      expired: sign({ alg: 'HS256', typ: 'JWT' }, { ...claims, exp: Math.floor(Date.now() / 1000) - 10 }, 'e2e-secret-e2e-secret-e2e-secret-0123456789'),
      wrongKey: sign({ alg: 'HS256', typ: 'JWT' }, claims, 'another-secret-another-secret-another'),
      refreshAsAccess: user.refreshToken,
    };
    for (const [name, token] of Object.entries(candidates)) {
      const res = await t.request('GET', '/web/user/me', token === undefined ? {} : { headers: { authorization: token } });
      expect([name, res.status, res.body.code]).toEqual([name, 401, 40100]);
    }
    // The untouched token still works: the refusals above were for the right reasons.
    expect((await t.request('GET', '/web/user/me', { token: user.authorization })).status).toBe(200);
  });

  it('refuses an access token used as a refresh token', async () => {
    const user = await registerAndLogin(t);
    const res = await t.request('POST', '/web/user/login/refresh', { body: { refreshToken: user.authorization } });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe(40102);
  });

  it('rotates refresh tokens; reusing an old one revokes the whole session', async () => {
    const user = await registerAndLogin(t);
    const first = await t.request('POST', '/web/user/login/refresh', { body: { refreshToken: user.refreshToken } });
    expect(first.body.code).toBe(0);
    expect(first.body.data.refreshToken).not.toBe(user.refreshToken);
    expect(first.body.data.authorization).toEqual(expect.any(String));
    const second = await t.request('POST', '/web/user/login/refresh', { body: { refreshToken: first.body.data.refreshToken } });
    expect(second.body.code).toBe(0);

    const reuse = await t.request('POST', '/web/user/login/refresh', { body: { refreshToken: user.refreshToken } });
    expect(reuse.status).toBe(401);
    expect(reuse.body.code).toBe(40103);
    // The family is gone: the newest refresh token and the access tokens of that session stop working.
    const newest = await t.request('POST', '/web/user/login/refresh', { body: { refreshToken: second.body.data.refreshToken } });
    expect(newest.status).toBe(401);
    expect((await t.request('GET', '/web/user/me', { token: second.body.data.authorization })).status).toBe(401);
  });

  it('a forged token for a real session does not revoke it', async () => {
    const user = await registerAndLogin(t);
    const [sessionId] = user.refreshToken.split('.');
    const forged = `${sessionId}.${'A'.repeat(43)}.${'B'.repeat(43)}`;
    expect((await t.request('POST', '/web/user/login/refresh', { body: { refreshToken: forged } })).body.code).toBe(40102);
    expect((await t.request('POST', '/web/user/login/refresh', { body: { refreshToken: user.refreshToken } })).body.code).toBe(0);
  });

  it('only one of two concurrent refreshes with the same token wins', async () => {
    const user = await registerAndLogin(t);
    const results = await Promise.all([1, 2].map(() => t.request('POST', '/web/user/login/refresh', { body: { refreshToken: user.refreshToken } })));
    expect(results.filter((r) => r.body.code === 0)).toHaveLength(1);
  });

  it('logout ends the session: access and refresh tokens stop working', async () => {
    const user = await registerAndLogin(t);
    const out = await t.request('POST', '/web/user/logout', { token: user.authorization });
    expect(out.body).toEqual({ code: 0, message: '成功' });
    expect((await t.request('GET', '/web/user/me', { token: user.authorization })).status).toBe(401);
    expect((await t.request('POST', '/web/user/login/refresh', { body: { refreshToken: user.refreshToken } })).status).toBe(401);
  });
});

describe('admin endpoints', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof registerAndLogin>>;
  beforeAll(async () => {
    t = await startTestApp();
    admin = await registerAndLogin(t, uniqueName('admin'));
  });
  afterAll(() => t.close());

  it('lists users paged, newest first, for admins only', async () => {
    const a = await registerAndLogin(t);
    const b = await registerAndLogin(t);
    const page = await t.request('GET', '/web/admin/users?pageNumber=1&pageSize=2', { token: admin.authorization });
    expect(page.body.data).toMatchObject({ pageNumber: 1, pageSize: 2, totalElements: expect.any(Number) });
    expect(page.body.data.content.map((u: { id: number }) => u.id)).toEqual([b.id, a.id]);
    expect(page.body.data.content[0].passwordHash).toBeUndefined();
    const asUser = await t.request('GET', '/web/admin/users', { token: a.authorization });
    expect(asUser.status).toBe(403);
    expect(asUser.body.code).toBe(40300);
  });

  it('disabling a user ends its sessions at once', async () => {
    const user = await registerAndLogin(t);
    const res = await t.request('PUT', `/web/admin/users/${user.id}/disable`, { token: admin.authorization, body: { isDisable: 1 } });
    expect(res.body.data.isDisable).toBe(1);
    const me = await t.request('GET', '/web/user/me', { token: user.authorization });
    expect(me.status).toBe(401);
    expect((await t.request('POST', '/web/user/login/refresh', { body: { refreshToken: user.refreshToken } })).status).toBe(401);
    const login = await t.request('POST', '/web/user/login', { body: { username: user.username, password: GOOD_PASSWORD } });
    expect(login.body.code).toBe(40301);
  });

  it('changes roles, and never disables or demotes the last enabled admin', async () => {
    const self = await t.request('PUT', `/web/admin/users/${admin.id}/role`, { token: admin.authorization, body: { role: 'USER' } });
    expect(self.status).toBe(403);
    expect(self.body.code).toBe(40303);
    const selfDisable = await t.request('PUT', `/web/admin/users/${admin.id}/disable`, { token: admin.authorization, body: { isDisable: 1 } });
    expect(selfDisable.body.code).toBe(40303);

    const other = await registerAndLogin(t);
    const promote = await t.request('PUT', `/web/admin/users/${other.id}/role`, { token: admin.authorization, body: { role: 'ADMIN' } });
    expect(promote.body.data.role).toBe('ADMIN');
    // Two admins now: demoting one is fine, the survivor is protected again.
    const demote = await t.request('PUT', `/web/admin/users/${other.id}/role`, { token: admin.authorization, body: { role: 'USER' } });
    expect(demote.body.data.role).toBe('USER');
    expect((await t.request('PUT', `/web/admin/users/${admin.id}/role`, { token: admin.authorization, body: { role: 'USER' } })).body.code).toBe(40303);
  });

  it('validates admin input and unknown users', async () => {
    const bad = await t.request('PUT', `/web/admin/users/${admin.id}/role`, { token: admin.authorization, body: { role: 'ROOT' } });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('role');
    const missing = await t.request('PUT', '/web/admin/users/99999999/disable', { token: admin.authorization, body: { isDisable: 1 } });
    expect(missing.status).toBe(404);
    const nonNumeric = await t.request('PUT', '/web/admin/users/abc/disable', { token: admin.authorization, body: { isDisable: 1 } });
    expect(nonNumeric.status).toBe(404);
  });
});

describe('rate limiting', () => {
  it('limits login per username and per client address with 429', async () => {
    const t = await startTestApp({ AUTH_RATE_LIMIT_PER_USERNAME: '3', AUTH_RATE_LIMIT_PER_ADDRESS: '8' });
    try {
      const name = uniqueName();
      const attempt = (username: string) => t.request('POST', '/web/user/login', { body: { username, password: 'wrong-password' } });
      const perUser = [];
      for (let i = 0; i < 4; i++) perUser.push((await attempt(name)).status);
      expect(perUser).toEqual([401, 401, 401, 429]);
      const limited = await attempt(name);
      expect(limited.body.code).toBe(42900);
      // The standard header (seconds) besides the throttler's own per-limit one.
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      expect(limited.headers.get('retry-after-username')).toBe(limited.headers.get('retry-after'));

      // 5 attempts so far from this address; the address limit is 8.
      const perAddress = [];
      for (let i = 0; i < 4; i++) perAddress.push((await attempt(uniqueName())).status);
      expect(perAddress).toEqual([401, 401, 401, 429]);
      expect((await attempt(uniqueName())).headers.get('retry-after')).toMatch(/^[1-9][0-9]*$/);
      // Each route has its own counters: registration is limited per address too.
      const registrations = [];
      for (let i = 0; i < 9; i++) {
        const body = { username: uniqueName(), password: GOOD_PASSWORD, name: 'x', phone: '15159845510' };
        registrations.push((await t.request('POST', '/web/user/login/registered', { body })).status);
      }
      expect(registrations).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 429]);
    } finally {
      await t.close();
    }
  });

  it('refuses a login with 503, not 500, when the database cannot count it', async () => {
    const t = await startTestApp();
    try {
      await t.app.get(DataSource).destroy();
      const res = await t.request('POST', '/web/user/login', { body: { username: uniqueName(), password: GOOD_PASSWORD }, headers: { 'accept-language': 'en' } });
      expect([res.status, res.body]).toEqual([503, { code: 50300, message: 'Service unavailable: the rate limit could not be checked' }]);
    } finally {
      await t.close();
    }
  });
});

describe('health and docs', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp()));
  afterAll(() => t.close());

  it('reports liveness and database readiness', async () => {
    expect((await t.request('GET', '/health/live')).body).toEqual({ code: 0, message: '成功', data: { status: 'ok' } });
    const ready = await t.request('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.data.info.database.status).toBe('up');
  });

  it('serves the OpenAPI document with the bearer scheme and error bodies', async () => {
    const res = await fetch(`${t.baseUrl}/docs-json`);
    const doc: any = await res.json();
    expect(doc.paths['/web/user/login/registered'].post).toBeDefined();
    expect(doc.paths['/web/user/login'].post.responses['401']).toBeDefined();
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.schemas.RegisterDto.properties.username.example).toBe('aatrox');
    expect((await fetch(`${t.baseUrl}/docs`)).status).toBe(200);
  });

  it('answers unknown routes with the envelope', async () => {
    const res = await t.request('GET', '/no/such/route');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe(40400);
  });
});
