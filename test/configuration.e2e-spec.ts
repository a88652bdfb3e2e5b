import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../bench/lib/processes';
import { compileApp, startAppProcess } from './support/app-process';
import { createTestDatabase } from './support/databases';
import { eventually } from './support/packaging';

/**
 * The compiled app as a process: a bad variable of any feature stops it before Nest starts, with one
 * `configuration error: VARIABLE ...` line per bad variable and exit code 1; and its log format.
 * No database is involved, so this runs in the SQLite pass only.
 */
const describeOnce = process.env.E2E_DB === 'mariadb' ? describe.skip : describe;

const ROOT = join(__dirname, '..');
const SECRETS = { JWT_SECRET: 'e2e-config-secret-e2e-config-secret-0123', SECRETS_KEY: 'ef'.repeat(32) };

describeOnce('configuration at start', () => {
  let build: ReturnType<typeof compileApp> | undefined;
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'dds-config-'));
    dirs.push(dir);
    return dir;
  };

  beforeAll(() => {
    build = compileApp();
  }, 300_000);

  afterAll(() => {
    build?.remove();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** Runs main.js with only `env` (and PATH) set, until it exits; the app must not get as far as listening. */
  function run(env: Record<string, string>): { status: number | null; stdout: string; stderr: string; dataDir: string } {
    const dataDir = join(tempDir(), 'data');
    const res = spawnSync(process.execPath, [build!.mainJs], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, NODE_PATH: join(ROOT, 'node_modules'), HOST: '127.0.0.1', PORT: '1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: res.status, stdout: res.stdout, stderr: res.stderr, dataDir };
  }

  const BAD: [variable: string, value: string][] = [
    ['PUBLIC_BASE_URL', 'ftp://deploy.example.com'],
    ['LOG_FORMAT', 'xml'],
    ['ACCESS_TOKEN_TTL_SECONDS', '5'],
    ['DATABASE_URL', 'postgres://db/dds'],
    ['DEPLOY_TIMEOUT_SECONDS', 'ten'],
    ['METRICS_TOKEN', 'short'],
    ['NOTIFICATION_MAX_ATTEMPTS', '0'],
    ['PIN_DIGESTS', 'maybe'],
    ['SECRETS_KEY_PREVIOUS', 'not-a-key'],
    ['SHUTDOWN_GRACE_SECONDS', '3601'],
    ['USER_NETWORKS', '-bad'],
    ['WEBHOOK_REPLAY_WINDOW_SECONDS', '-1'],
  ];

  it('names every bad variable, one per line, without a stack trace, and exits 1', () => {
    const { status, stdout, stderr } = run({ ...SECRETS, ...Object.fromEntries(BAD) });
    expect(status).toBe(1);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(BAD.length);
    lines.forEach((line, i) => expect(line).toMatch(new RegExp(`^configuration error: ${BAD[i][0]}\\b`)));
  });

  it.each([
    ['auth', { REGISTRATION: 'sometimes' }, 'configuration error: REGISTRATION must be one of open, approval, closed, got "sometimes"'],
    ['database', { DATABASE_URL: 'mysql://app@db' }, 'configuration error: DATABASE_URL must name a host and a database: mysql://user:pass@host:3306/db'],
    ['docker', { MAX_PARALLEL_DEPLOYMENTS: '65' }, 'configuration error: MAX_PARALLEL_DEPLOYMENTS must be between 1 and 64, got 65'],
    ['metrics', { METRICS_TOKEN: 'short' }, 'configuration error: METRICS_TOKEN must be at least 16 characters; use e.g. `openssl rand -hex 24`'],
    ['app', { PORT: '0' }, 'configuration error: PORT must be between 1 and 65535, got 0'],
  ])('a bad %s variable alone: exactly its line', (_feature, env, message) => {
    expect(run({ ...SECRETS, ...env })).toMatchObject({ status: 1, stdout: '', stderr: `${message}\n` });
  });

  it('production without secrets names both and writes nothing; outside production they are made in DATA_DIR', () => {
    const production = run({ NODE_ENV: 'production' });
    expect(production.status).toBe(1);
    expect(production.stderr).toMatch(/^configuration error: JWT_SECRET \(or JWT_SECRET_FILE\) is required when NODE_ENV=production\nconfiguration error: SECRETS_KEY \(or SECRETS_KEY_FILE\) is required when NODE_ENV=production: .*\n$/);
    expect(existsSync(production.dataDir)).toBe(false);

    const dev = run({ METRICS_TOKEN: 'short' });
    expect(dev.stderr).toBe('configuration error: METRICS_TOKEN must be at least 16 characters; use e.g. `openssl rand -hex 24`\n');
    expect(readdirSync(dev.dataDir).sort()).toEqual(['jwt-secret', 'secrets-key']);
  });

  it('names DATA_DIR when the generated secrets cannot be written', () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, '');
    const { status, stderr } = run({ DATA_DIR: join(file, 'data') });
    expect(status).toBe(1);
    expect(stderr).toMatch(/^configuration error: DATA_DIR: cannot create .*a-file\/data\/jwt-secret: ENOTDIR[^\n]*\n$/);
  });

  describe('log format', () => {
    it('JSON lines when stdout is not a terminal; readable lines with LOG_FORMAT=pretty', async () => {
      const [jsonDb, prettyDb] = [await createTestDatabase(), await createTestDatabase()];
      const json = await startAppProcess('log-json', build!.mainJs, { ...SECRETS, DATABASE_URL: jsonDb.url, LOG_LEVEL: 'info' });
      const pretty = await startAppProcess('log-pretty', build!.mainJs, { ...SECRETS, DATABASE_URL: prettyDb.url, LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' });
      try {
        for (const app of [json, pretty]) await app.request('GET', '/health/live?token=s3cr3t');
        await eventually(() => /GET \/health\/live/.test(json.fullOutput()) && /GET \/health\/live/.test(pretty.fullOutput()), 'both request lines', 10_000, 100);
        const jsonLines = json.fullOutput().trimEnd().split('\n');
        expect(jsonLines.every((line) => typeof JSON.parse(line).level === 'number')).toBe(true);
        expect(jsonLines.map((line) => JSON.parse(line).msg)).toContain('GET /health/live?token=[REDACTED] 200');
        expect(pretty.fullOutput()).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: GET \/health\/live\?token=\[REDACTED\] 200 \(\d+ ms\)$/m);
        expect(pretty.fullOutput()).not.toMatch(/^\{/m);
        for (const app of [json, pretty]) expect(app.fullOutput()).not.toContain('s3cr3t');
      } finally {
        await json.stop();
        await pretty.stop();
      }
    });

    /** main.js on a pseudo-terminal (util-linux `script`), until Nest says it started; its output without colours. */
    async function onTerminal(env: Record<string, string>): Promise<string> {
      const dataDir = tempDir();
      const port = await freePort();
      const child = spawn('script', ['-qfec', `${JSON.stringify(process.execPath)} ${JSON.stringify(build!.mainJs)}`, '/dev/null'], {
        cwd: dataDir,
        env: { PATH: process.env.PATH, TERM: 'xterm', NODE_PATH: join(ROOT, 'node_modules'), HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dataDir, DATABASE_URL: `sqlite:${join(dataDir, 'test.db')}`, LOG_LEVEL: 'info', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
      child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        await eventually(() => out.includes('Nest application successfully started') || child.exitCode !== null, 'the app to start on a terminal', 60_000, 100);
      } finally {
        // script and the app under it: their own process group.
        if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
        await exited;
      }
      return out.replace(/\u001b\[[0-9;]*m/g, '').replace(/\r/g, '');
    }

    it('readable lines for a person at a terminal, JSON lines there too in production', async () => {
      const person = await onTerminal({});
      expect(person).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: \[NestApplication\] Nest application successfully started$/m);
      expect(person).not.toMatch(/^\{/m);

      const production = await onTerminal({ NODE_ENV: 'production', ...SECRETS });
      const started = production.split('\n').find((line) => line.includes('Nest application successfully started'));
      expect(JSON.parse(started!)).toMatchObject({ level: 30, context: 'NestApplication', msg: 'Nest application successfully started' });
    });
  });
});
