import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

/** A TCP port nothing listens on right now, on `host` (host-mode swarm publishing binds 0.0.0.0). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resident memory of a process in MiB, from /proc. */
export function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round((Number(match[1]) / 1024) * 10) / 10 : NaN;
}

export interface Server {
  url: string;
  pid: number;
  /** Milliseconds from spawn to the first successful readiness answer. */
  startMs: number;
  stop(): Promise<void>;
}

async function waitReady(url: string, child: ChildProcess, started: number, readyStatus = 200, timeoutMs = 60_000): Promise<number> {
  while (Date.now() - started < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before it was ready`);
    try {
      if ((await fetch(url)).status === readyStatus) return Date.now() - started;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms`);
}

function stopper(child: ChildProcess) {
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
}

/** The folder of package.json: this file runs from bench/lib (ts-jest) and from dist/bench/lib. */
function projectRoot(from = __dirname): string {
  while (!existsSync(join(from, 'package.json')) && dirname(from) !== from) from = dirname(from);
  return from;
}

/**
 * `npm run start:prod` as a command: its variables, node's flags and the script. The bench starts the
 * app exactly so (the Dockerfile's ENTRYPOINT and ENV match it, src/docker-entrypoint.spec.ts checks),
 * without npm in between: the start time and the memory are the app's own.
 */
export function productionStart(script: string = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')).scripts['start:prod']): {
  env: Record<string, string>;
  nodeArgs: string[];
  main: string;
} {
  const words = script.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (/^[A-Z_][A-Z0-9_]*=/.test(words[0])) {
    const [name, ...value] = words.shift()!.split('=');
    env[name] = value.join('=');
  }
  if (words.shift() !== 'node' || words.length === 0) throw new Error(`start:prod is not "[VAR=value ...] node [flags] script": ${script}`);
  const main = words.pop()!;
  return { env, nodeArgs: words, main };
}

/** How to run one server on `port`: node's arguments and the variables added to the bench's own. */
type Command = (port: number) => { args: string[]; env?: Record<string, string> };

/** A server as a child process on a free port of 127.0.0.1, timed from the spawn until `readyPath` answers `readyStatus`. */
async function startServer(command: Command, readyPath: string, readyStatus = 200): Promise<Server> {
  const port = await freePort();
  const { args, env } = command(port);
  const started = Date.now();
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  const startMs = await waitReady(`${url}${readyPath}`, child, started, readyStatus);
  return { url, pid: child.pid!, startMs, stop: stopper(child) };
}

/** The built app, started as `npm run start:prod` starts it, on 127.0.0.1; ready when /health/ready answers. */
export function startApp(env: Record<string, string>): Promise<Server> {
  const start = productionStart();
  return startServer(
    (port) => ({
      args: [...start.nodeArgs, join(projectRoot(), start.main)],
      env: { ...start.env, LOG_LEVEL: 'silent', HOST: '127.0.0.1', PORT: String(port), ...env },
    }),
    '/health/ready',
  );
}

/** The baseline: bare Fastify answering the same envelope, as a child process. */
export function startBareFastify(): Promise<Server> {
  return startServer((port) => ({ args: [join(__dirname, 'bare-fastify.js'), String(port)] }), '/hello');
}

/** The stack's floor (stack-floor.ts) on `databaseUrl`, as a child process; `secret` signs its tokens. */
export function startStackFloor(databaseUrl: string, secret: string): Promise<Server> {
  // Without a token, its only route answers 401 once it listens.
  return startServer((port) => ({ args: [join(__dirname, 'stack-floor.js'), String(port), databaseUrl], env: { FLOOR_SECRET: secret } }), '/hello', 401);
}
