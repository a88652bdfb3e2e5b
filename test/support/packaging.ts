import { spawnSync } from 'node:child_process';

/** Runs a command with an argv array (optionally feeding stdin); throws with stderr on failure. */
export function sh(cmd: string, args: string[], input?: string, cwd?: string): string {
  const res = spawnSync(cmd, args, { encoding: 'utf8', input, cwd, timeout: 120_000 });
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${res.status}: ${res.stderr.trim()}`);
  return res.stdout;
}

/** Polls `probe` every `pollMs` until it gives a value; fails after `ms` naming what it waited for. */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 60_000, pollMs = 250): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Polls `check` every `pollMs` until it holds; fails after `ms` naming what it waited for. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = 30_000, pollMs = 500): Promise<void> {
  await until(what, async () => ((await check()) ? true : undefined), ms, pollMs);
}

/** Ids of the running containers of one swarm service on this node. */
export function serviceContainers(service: string): string[] {
  return sh('docker', ['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${service}`]).trim().split('\n').filter(Boolean);
}

/** Removes a stack, waits for its containers to go, then removes its named volumes. */
export async function removeStackAndVolumes(stack: string): Promise<void> {
  spawnSync('docker', ['stack', 'rm', stack]);
  const label = `label=com.docker.stack.namespace=${stack}`;
  await eventually(() => sh('docker', ['ps', '-aq', '--filter', label]).trim() === '', `the containers of ${stack} to go`, 60_000).catch(() => undefined);
  for (const volume of sh('docker', ['volume', 'ls', '-q', '--filter', label]).trim().split('\n').filter(Boolean)) {
    spawnSync('docker', ['volume', 'rm', '-f', volume]);
  }
}

export interface Answer {
  status: number;
  body: any;
}

/** JSON over HTTP to a stack's published port on 127.0.0.1. */
export class ApiClient {
  constructor(readonly baseUrl: string) {}

  async call(method: string, path: string, body?: unknown, token?: string): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(this.baseUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    try {
      return { status: res.status, body: JSON.parse(text) };
    } catch {
      throw new Error(`${method} ${path}: non-JSON ${res.status}: ${text.slice(0, 200)}`);
    }
  }

  get = (path: string, token?: string) => this.call('GET', path, undefined, token);
  post = (path: string, body?: unknown, token?: string) => this.call('POST', path, body, token);
  put = (path: string, body?: unknown, token?: string) => this.call('PUT', path, body, token);
}
