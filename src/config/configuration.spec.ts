import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfiguration } from './configuration';
import { ConfigError, Env } from './env';

const SECRETS = { JWT_SECRET: 'unit-test-secret-unit-test-secret-0123', SECRETS_KEY: 'ab'.repeat(32) };

/** The problems loadConfiguration reports for `env` (with valid secrets unless `env` overrides them). */
function problems(env: Env): readonly string[] {
  try {
    loadConfiguration({ ...SECRETS, ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

/** One bad variable of every feature, and the name each problem must start with. */
const BAD: [feature: string, variable: string, value: string][] = [
  ['app', 'PORT', '70000'],
  ['app', 'LOG_FORMAT', 'xml'],
  ['auth', 'REGISTRATION', 'sometimes'],
  ['database', 'DATABASE_URL', 'postgres://db/x'],
  ['docker', 'MAX_PARALLEL_DEPLOYMENTS', '0'],
  ['metrics', 'METRICS_TOKEN', 'short'],
  ['notifications', 'NOTIFICATION_PRIVATE_TARGETS', 'some'],
  ['registries', 'INSECURE_REGISTRIES', 'http://x/y'],
  ['secrets', 'SECRETS_KEY', 'changeme'],
  ['shutdown', 'SHUTDOWN_GRACE_SECONDS', '-1'],
  ['tenancy', 'USER_PORT_RANGE', '9000-8000'],
  ['webhooks', 'WEBHOOK_DELIVERY_MAX_PER_SCRIPT', 'many'],
];

describe('loadConfiguration', () => {
  it('builds every feature part from one environment, with defaults', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dds-cfg-'));
    const config = loadConfiguration({ ...SECRETS, DATA_DIR: dataDir, PORT: '9090' });
    expect(Object.keys(config).sort()).toEqual(['app', 'auth', 'database', 'docker', 'metrics', 'notifications', 'registries', 'secrets', 'shutdown', 'tenancy', 'webhooks']);
    expect(config.app).toMatchObject({ port: 9090, publicBaseUrl: 'http://localhost:9090', dataDir, production: false, logLevel: 'info', logFormat: 'auto' });
    expect(config.auth).toMatchObject({ jwtSecret: SECRETS.JWT_SECRET, registration: 'approval' });
    expect(config.database).toEqual({ type: 'sqlite', path: join(dataDir, 'docker-deploy-script.db') });
    expect(config.secrets).toEqual({ key: Buffer.from(SECRETS.SECRETS_KEY, 'hex'), previousKeys: [] });
    expect(config.shutdown).toEqual({ graceSeconds: 30 });
  });

  it.each(BAD)('names a bad %s variable: %s=%s', (_feature, variable, value) => {
    const found = problems({ [variable]: value });
    expect(found).toHaveLength(1);
    expect(found[0].startsWith(variable)).toBe(true);
  });

  it('reports every bad variable of one start together, each on its own line', () => {
    const found = problems(Object.fromEntries(BAD.map(([, variable, value]) => [variable, value])));
    expect(found.map((p) => BAD.find(([, variable]) => p.startsWith(variable))?.[1])).toEqual(BAD.map(([, variable]) => variable));
    try {
      loadConfiguration({ ...SECRETS, PORT: 'x', USER_MAX_STACKS: '0' });
      throw new Error('accepted');
    } catch (err) {
      expect((err as ConfigError).report()).toBe(
        'configuration error: PORT must be a whole number, got "x"\nconfiguration error: USER_MAX_STACKS must be between 1 and 100000, got 0',
      );
    }
  });

  it('requires JWT_SECRET and SECRETS_KEY in production, and refuses placeholders and short secrets there', () => {
    expect(problems({ NODE_ENV: 'production', JWT_SECRET: undefined, SECRETS_KEY: undefined })).toEqual([
      'JWT_SECRET (or JWT_SECRET_FILE) is required when NODE_ENV=production',
      expect.stringMatching(/^SECRETS_KEY \(or SECRETS_KEY_FILE\) is required when NODE_ENV=production/),
    ]);
    expect(problems({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(31) })).toEqual([expect.stringMatching(/^JWT_SECRET looks like a placeholder or is shorter than 32/)]);
    expect(problems({ JWT_SECRET: 'changeme' })).toEqual([expect.stringMatching(/^JWT_SECRET looks like a placeholder/)]);
    expect(problems({ NODE_ENV: 'production', JWT_SECRET: 'y'.repeat(32) })).toEqual([]);
  });

  it('writes nothing: without the boot step, a missing secret is a problem, not a generated file', () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'dds-cfg-')), 'data');
    expect(problems({ DATA_DIR: dataDir, JWT_SECRET: undefined })).toEqual([expect.stringMatching(/^JWT_SECRET \(or JWT_SECRET_FILE\) is required/)]);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('reads NAME_FILE, and names an unreadable one once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dds-cfg-'));
    writeFileSync(join(dir, 'token'), '0123456789abcdef0123\n');
    expect(loadConfiguration({ ...SECRETS, METRICS_TOKEN_FILE: join(dir, 'token') }).metrics).toEqual({ token: '0123456789abcdef0123' });
    expect(problems({ NODE_ENV: 'production', JWT_SECRET: undefined, JWT_SECRET_FILE: join(dir, 'missing') })).toEqual([
      expect.stringMatching(/^JWT_SECRET_FILE: cannot read .*missing: ENOENT/),
    ]);
  });

  it('never shows a key in a message', () => {
    const secretLooking = 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5'; // base64 of 33 bytes, not 32
    const found = problems({ SECRETS_KEY: secretLooking, SECRETS_KEY_PREVIOUS: `${SECRETS.SECRETS_KEY},${secretLooking}`, DATABASE_URL: 'mysql://app:pa%zzss@db/dds' });
    expect(found).toEqual([
      'DATABASE_URL has a malformed %-escape in its user, password or database name',
      expect.stringMatching(/^SECRETS_KEY must be 32 bytes/),
      expect.stringMatching(/^SECRETS_KEY_PREVIOUS must be a comma-separated list of keys/),
    ]);
    expect(found.join('\n')).not.toMatch(/Zm9v|pa%zz/);
  });
});
