import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../bench/lib/processes';

export interface TestRegistry {
  /** `127.0.0.1:<port>` (the engine treats 127.0.0.0/8 registries as insecure, so push works), or the namespace address given. */
  host: string;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  /** A private registry: only this login may push or pull (htpasswd, bcrypt). */
  login?: { username: string; password: string };
  /** Listen on this port (a compose file may need the host before the registry starts). */
  port?: number;
  /** Listen on `address` inside the network namespace `netns` (a test's own, e.g. the multi-node swarm's). */
  namespace?: { netns: string; address: string };
}

/**
 * Starts a real CNCF Distribution registry (Debian's docker-registry) on 127.0.0.1 whose push
 * notifications go to `notifyUrl` (`null`: none): real pushes, real webhooks.
 */
export async function startRegistry(notifyUrl: string | null, opts: RegistryOptions = {}): Promise<TestRegistry> {
  const port = opts.port ?? (opts.namespace ? 5000 : await freePort());
  const address = opts.namespace?.address ?? '127.0.0.1';
  const dir = mkdtempSync(join(tmpdir(), 'dds-registry-'));
  let auth = '';
  if (opts.login) {
    // -i: the password comes on stdin, not on a command line.
    const made = spawnSync('htpasswd', ['-niB', opts.login.username], { input: opts.login.password, encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`htpasswd failed (${made.error?.message ?? made.stderr}); install Debian's apache2-utils as .ci/run does`);
    writeFileSync(join(dir, 'htpasswd'), made.stdout);
    auth = `auth:\n  htpasswd:\n    realm: test\n    path: ${join(dir, 'htpasswd')}\n`;
  }
  const config = `${auth}version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: ${join(dir, 'data')}
http:
  addr: ${address}:${port}
${
  notifyUrl === null
    ? ''
    : `notifications:
  endpoints:
    - name: dds
      url: ${JSON.stringify(notifyUrl)}
      timeout: 30s
      threshold: 5
      backoff: 1s
`
}`;
  writeFileSync(join(dir, 'config.yml'), config);
  let child: ChildProcess;
  try {
    const serve = ['docker-registry', 'serve', join(dir, 'config.yml')];
    const [cmd, ...args] = opts.namespace ? ['nsenter', `--net=/run/netns/${opts.namespace.netns}`, ...serve] : serve;
    child = spawn(cmd, args, { stdio: 'ignore' });
  } catch (err) {
    throw new Error(`cannot start docker-registry (${(err as Error).message}); install Debian's docker-registry as .ci/run does`);
  }
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (err) => reject(new Error(`cannot start docker-registry (${err.message}); install Debian's docker-registry as .ci/run does`))),
  );
  const ready = (async () => {
    for (let i = 0; i < 100; i++) {
      try {
        const res = await fetch(`http://${address}:${port}/v2/`);
        if (res.ok || (opts.login && res.status === 401)) return;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('docker-registry did not answer within 10 s');
  })();
  await Promise.race([ready, spawnError]);
  return {
    host: `${address}:${port}`,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
