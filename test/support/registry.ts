import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../bench/lib/processes';

export interface TestRegistry {
  /** `127.0.0.1:<port>`: the engine treats 127.0.0.0/8 registries as insecure, so push works. */
  host: string;
  stop(): Promise<void>;
}

/**
 * Starts a real CNCF Distribution registry (Debian's docker-registry) on 127.0.0.1 whose push
 * notifications go to `notifyUrl`: real pushes, real webhooks.
 */
export async function startRegistry(notifyUrl: string): Promise<TestRegistry> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'dds-registry-'));
  const config = `version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: ${join(dir, 'data')}
http:
  addr: 127.0.0.1:${port}
notifications:
  endpoints:
    - name: dds
      url: ${JSON.stringify(notifyUrl)}
      timeout: 30s
      threshold: 5
      backoff: 1s
`;
  writeFileSync(join(dir, 'config.yml'), config);
  let child: ChildProcess;
  try {
    child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  } catch (err) {
    throw new Error(`cannot start docker-registry (${(err as Error).message}); install Debian's docker-registry as .ci/run does`);
  }
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (err) => reject(new Error(`cannot start docker-registry (${err.message}); install Debian's docker-registry as .ci/run does`))),
  );
  const ready = (async () => {
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/v2/`)).ok) return;
      } catch {
        /* not listening yet */
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('docker-registry did not answer within 10 s');
  })();
  await Promise.race([ready, spawnError]);
  return {
    host: `127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
