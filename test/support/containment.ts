/**
 * Watches what an in-process app does outside itself, for tests that feed it arbitrary input: every
 * process it starts, and every connection or name lookup it tries. Connections and lookups that
 * would leave this machine fail as an unreachable host would (test traffic stays on 127.0.0.1), and
 * every `docker login` is pointed at a local registry, because the engine would otherwise contact
 * whatever host the input named.
 */
import type { SpawnOptions } from 'node:child_process';

// The modules themselves (not an import's copy), so the app's own calls go through the spies.
const childProcess = require('node:child_process') as typeof import('node:child_process');
const net = require('node:net') as typeof import('node:net');
const dns = require('node:dns') as typeof import('node:dns');
const dnsPromises = require('node:dns/promises') as typeof import('node:dns/promises');

export interface SpawnCall {
  command: string;
  args: unknown;
  shell: unknown;
}

export interface Containment {
  /** Every child_process.spawn call, as the app made it (before a login was redirected). */
  spawned: SpawnCall[];
  /** Calls of the other child_process functions (exec, execFile, fork and the sync ones): none expected. */
  otherProcessCalls: string[];
  /** Where each connection or lookup that was stopped was going. */
  stopped: string[];
  restore(): void;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1', '::ffff:127.0.0.1']);
const isLocal = (host: unknown) => host === undefined || (typeof host === 'string' && (LOOPBACK_NAMES.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host)));
const notFound = (host: string) => Object.assign(new Error(`getaddrinfo ENOTFOUND ${host} (stopped: the test stays on this machine)`), { code: 'ENOTFOUND', hostname: host });
/** Nothing listens on the discard port: a connection there is refused at once. */
const UNREACHABLE = { host: '127.0.0.1', port: 9 };

export function contain(opts: { loginRegistry: string }): Containment {
  const spawned: SpawnCall[] = [];
  const otherProcessCalls: string[] = [];
  const stopped: string[] = [];
  const spies: jest.SpyInstance[] = [];

  const realSpawn = childProcess.spawn;
  spies.push(
    jest.spyOn(childProcess, 'spawn').mockImplementation(((command: string, args?: readonly string[], options?: SpawnOptions) => {
      spawned.push({ command, args: Array.isArray(args) ? [...args] : args, shell: options?.shell });
      const redirected = Array.isArray(args) && args[0] === 'login' ? [...args.slice(0, -1), opts.loginRegistry] : args;
      return realSpawn(command, redirected as string[], options ?? {});
    }) as typeof childProcess.spawn),
  );
  for (const name of ['exec', 'execFile', 'fork', 'execSync', 'execFileSync', 'spawnSync'] as const) {
    const real = childProcess[name] as (...a: unknown[]) => unknown;
    spies.push(jest.spyOn(childProcess, name).mockImplementation(((...a: unknown[]) => (otherProcessCalls.push(`${name} ${String(a[0])}`), real(...a))) as never));
  }

  // Every TCP connection (net, http, https, undici's fetch, SMTP, the database) goes through here.
  const realConnect = net.Socket.prototype.connect;
  spies.push(
    jest.spyOn(net.Socket.prototype, 'connect').mockImplementation(function (this: import('node:net').Socket, ...args: unknown[]) {
      const first = Array.isArray(args[0]) ? args[0][0] : args[0];
      const options = (typeof first === 'object' && first !== null ? first : typeof first === 'number' ? { port: first, host: args[1] } : { path: first }) as Record<string, unknown>;
      if (options.path !== undefined || isLocal(options.host ?? 'localhost')) return realConnect.apply(this, args as never);
      stopped.push(`connect ${String(options.host)}:${String(options.port)}`);
      const callback = [...(Array.isArray(args[0]) ? args[0] : args)].find((a) => typeof a === 'function');
      return realConnect.call(this, { ...options, ...UNREACHABLE, lookup: undefined } as never, callback as never);
    } as never),
  );
  const realLookup = dnsPromises.lookup;
  spies.push(
    jest.spyOn(dnsPromises, 'lookup').mockImplementation(((host: string, ...rest: unknown[]) => {
      if (isLocal(host)) return (realLookup as (...a: unknown[]) => unknown)(host, ...rest);
      stopped.push(`lookup ${host}`);
      return Promise.reject(notFound(host));
    }) as never),
  );
  for (const name of ['lookup', 'resolve', 'resolve4', 'resolve6'] as const) {
    const real = dns[name] as (...a: unknown[]) => unknown;
    spies.push(
      jest.spyOn(dns, name).mockImplementation(((host: string, ...rest: unknown[]) => {
        if (isLocal(host)) return real(host, ...rest);
        stopped.push(`${name} ${host}`);
        const callback = rest.find((a) => typeof a === 'function') as ((err: Error) => void) | undefined;
        process.nextTick(() => callback?.(notFound(host)));
      }) as never),
    );
  }

  return { spawned, otherProcessCalls, stopped, restore: () => spies.forEach((s) => s.mockRestore()) };
}
