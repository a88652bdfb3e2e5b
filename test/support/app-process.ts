import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../bench/lib/processes';
import { assertTestDatabaseUrl } from './databases';
import type { ApiResponse } from './test-app';

const ROOT = join(__dirname, '../..');

/**
 * Compiles the app (tsconfig.build.json) into a private directory, so a concurrent `npm run build`
 * or another test never sees half-written files in dist/. Returns the path of main.js and a clean-up.
 */
export function compileApp(): { mainJs: string; remove: () => void } {
  const outDir = mkdtempSync(join(tmpdir(), 'dds-build-'));
  const res = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 180_000,
  });
  if (res.status !== 0) {
    rmSync(outDir, { recursive: true, force: true });
    throw new Error(`tsc -p tsconfig.build.json failed (${res.status ?? res.error?.message}): ${res.stdout}${res.stderr}`);
  }
  return { mainJs: join(outDir, 'src/main.js'), remove: () => rmSync(outDir, { recursive: true, force: true }) };
}

export interface AppProcess {
  name: string;
  url: string;
  pid: number;
  request<T = any>(method: string, path: string, opts?: { body?: unknown; token?: string; headers?: Record<string, string> }): Promise<ApiResponse<T>>;
  /** Its DATA_DIR (also its working directory). */
  dataDir: string;
  /** The last lines the process wrote (stdout and stderr), for failure messages. */
  output(): string;
  /** Everything it wrote (stdout and stderr), to search for what must never be logged. */
  fullOutput(): string;
  /** SIGTERM, then waits for the exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

/**
 * The compiled app as its own OS process on 127.0.0.1 (one passport registry per process, as in
 * production), ready once GET /health/ready answers 200. node_modules resolve through NODE_PATH.
 */
export async function startAppProcess(name: string, mainJs: string, env: Record<string, string>, timeoutMs = 60_000): Promise<AppProcess> {
  assertTestDatabaseUrl(env.DATABASE_URL);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), `dds-${name}-`));
  const child: ChildProcess = spawn(process.execPath, [mainJs], {
    cwd: dataDir,
    env: {
      ...process.env,
      NODE_PATH: join(ROOT, 'node_modules'),
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      // Images that exist only on this engine, under registry hosts that must never be contacted.
      PIN_DIGESTS: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let everything = '';
  const keep = (chunk: Buffer) => {
    everything += chunk.toString('utf8');
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const output = () => lines.join('\n');

  const stop = async (graceMs = 30_000) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output()}`);
    }
    try {
      if ((await fetch(`${url}/health/ready`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() - started > timeoutMs) {
      await stop();
      throw new Error(`${name} not ready within ${timeoutMs} ms:\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    name,
    url,
    pid: child.pid!,
    dataDir,
    output,
    fullOutput: () => everything,
    stop,
    async request(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      let payload: string | undefined;
      if (opts.body !== undefined) {
        payload = JSON.stringify(opts.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(url + path, { method, headers, body: payload });
      const text = await res.text();
      try {
        return { status: res.status, headers: res.headers, body: JSON.parse(text) };
      } catch {
        throw new Error(`${name}: ${method} ${path}: non-JSON response ${res.status}: ${text.slice(0, 200)}`);
      }
    },
  };
}
