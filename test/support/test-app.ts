import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import passport from 'passport';
import { createApp } from '../../src/app.factory';
import { JwtStrategy } from '../../src/auth/jwt.strategy';
import { loadConfiguration } from '../../src/config/configuration';
import { provideDevSecretFiles } from '../../src/config/dev-secrets';
import { assertTestDatabaseUrl, createTestDatabase } from './databases';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: { code: number; message: string; data?: T };
}

export interface TestApp {
  app: NestFastifyApplication;
  baseUrl: string;
  databaseUrl: string;
  dataDir: string;
  request<T = any>(method: string, path: string, opts?: { body?: unknown; token?: string; headers?: Record<string, string>; raw?: string }): Promise<ApiResponse<T>>;
  close(): Promise<void>;
}

/** Apps started and not yet closed, oldest first. */
const open = new Set<NestFastifyApplication>();

const BASE_ENV = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  JWT_SECRET: 'e2e-secret-e2e-secret-e2e-secret-0123456789',
  REGISTRATION: 'open',
  AUTH_RATE_LIMIT_PER_ADDRESS: '100000',
  AUTH_RATE_LIMIT_PER_USERNAME: '100000',
  // These suites roll images that exist only on this engine under made-up registry hosts, which must
  // never be contacted; test/registries.e2e-spec.ts pins digests against a real registry.
  PIN_DIGESTS: 'false',
};

/**
 * Boots the real app (real pipes, guards, filter, migrations) on 127.0.0.1 with a fresh database.
 * `env` overrides configuration for this instance; `databaseUrl` shares another instance's database.
 * Several apps may run in one test process; see `close()` for the one thing they share.
 */
export async function startTestApp(env: Record<string, string> = {}, databaseUrl?: string): Promise<TestApp> {
  const db = databaseUrl ? { url: databaseUrl, drop: async () => undefined } : await createTestDatabase();
  assertTestDatabaseUrl(env.DATABASE_URL ?? db.url);
  const dataDir = mkdtempSync(join(tmpdir(), 'dds-data-'));
  // The same boot steps as main.ts, over this instance's environment.
  const configuration = loadConfiguration(provideDevSecretFiles({ ...process.env, ...BASE_ENV, DATABASE_URL: db.url, DATA_DIR: dataDir, ...env }));
  const app = await createApp(configuration);
  await app.listen(0, '127.0.0.1');
  open.add(app);
  const address = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;
  return {
    app,
    baseUrl,
    databaseUrl: db.url,
    dataDir,
    async request(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      let payload: string | undefined = opts.raw;
      if (opts.body !== undefined) {
        payload = JSON.stringify(opts.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(baseUrl + path, { method, headers, body: payload });
      const text = await res.text();
      let body: ApiResponse['body'];
      try {
        body = JSON.parse(text);
      } catch {
        throw new Error(`${method} ${path}: non-JSON response ${res.status}: ${text.slice(0, 200)}`);
      }
      return { status: res.status, headers: res.headers, body };
    },
    async close() {
      await app.close();
      open.delete(app);
      // passport's strategy registry is process-wide: the last app started checks every app's access
      // tokens. Once that app is closed, hand the checks back to an app still open.
      const survivor = [...open].pop();
      if (survivor) passport.use('jwt', survivor.get(JwtStrategy));
      await db.drop();
    },
  };
}

let counter = 0;
/** A username no other test uses. */
export function uniqueName(prefix = 'u'): string {
  return `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`.slice(0, 32);
}

export const GOOD_PASSWORD = 'violet-otter-42';

/** Registers and logs in a user, in-process or in an app process; returns the login data (authorization, refreshToken, id, role). */
export async function registerAndLogin(t: Pick<TestApp, 'request'>, username = uniqueName()): Promise<{ id: number; role: string; username: string; authorization: string; refreshToken: string }> {
  const reg = await t.request('POST', '/web/user/login/registered', {
    body: { username, password: GOOD_PASSWORD, name: username, phone: '15159845510' },
  });
  if (reg.body.code !== 0) throw new Error(`register failed: ${JSON.stringify(reg.body)}`);
  const login = await t.request('POST', '/web/user/login', { body: { username, password: GOOD_PASSWORD } });
  if (login.body.code !== 0) throw new Error(`login failed: ${JSON.stringify(login.body)}`);
  return login.body.data;
}
