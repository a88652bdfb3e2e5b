import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs docker with an argv array; throws with stderr on failure. */
export function docker(...args: string[]): string {
  const res = spawnSync('docker', args, { encoding: 'utf8', timeout: 120_000 });
  if (res.error) throw new Error(`docker ${args.join(' ')}: ${res.error.message} (is the docker CLI installed? see .ci/run)`);
  if (res.status !== 0) throw new Error(`docker ${args.join(' ')} exited ${res.status}: ${res.stderr.trim()}`);
  return res.stdout;
}

/** Fails loudly, with what to install, unless a Docker engine in swarm mode answers. */
export function assertSwarm(): void {
  let state: string;
  try {
    state = docker('info', '--format', '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}').trim();
  } catch (err) {
    throw new Error(`No Docker engine: ${(err as Error).message}. Install docker.io and start dockerd as .ci/run does.`);
  }
  if (state !== 'active true') throw new Error(`Docker is not a swarm manager (${state}): run docker swarm init --advertise-addr 127.0.0.1`);
}

const BASE = 'dds-test-busybox:base';
const built = new Set<string>();

/**
 * Makes `ref` (e.g. `registry.cn-shanghai.aliyuncs.com/pongsky/halo:prod-1.4.7`) exist locally, so a
 * swarm task can start without a pull (nothing can be pulled on these machines). The image is busybox
 * FROM scratch that exits cleanly on SIGTERM. With `broken`, the image's command fails at once.
 */
export function ensureTestImage(ref: string, opts: { broken?: boolean } = {}): string {
  const base = opts.broken ? 'dds-test-busybox:broken' : BASE;
  if (!built.has(base) && spawnSync('docker', ['image', 'inspect', base], { stdio: 'ignore' }).status !== 0) {
    const dir = mkdtempSync(join(tmpdir(), 'dds-image-'));
    try {
      copyFileSync('/bin/busybox', join(dir, 'busybox'));
      const cmd = opts.broken
        ? '["/bin/sh", "-c", "exit 1"]'
        : `["/bin/sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]`;
      writeFileSync(
        join(dir, 'Dockerfile'),
        `FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nCMD ${cmd}\n`,
      );
      const res = spawnSync('docker', ['build', '-q', '-t', base, dir], { encoding: 'utf8', env: { ...process.env, DOCKER_BUILDKIT: '0' } });
      if (res.status !== 0) throw new Error(`building ${base} failed: ${res.stderr} (needs /bin/busybox from Debian's busybox-static)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  built.add(base);
  docker('tag', base, ref);
  return ref;
}

/**
 * Removes every stack whose name starts with `prefix` (test clean-up). `docker stack rm` fails to
 * remove a network while its last tasks are still stopping, so it is retried for up to 30 s.
 */
export function removeStacks(prefix: string): void {
  for (const name of docker('stack', 'ls', '--format', '{{.Name}}').split('\n')) {
    if (!name || !name.startsWith(prefix)) continue;
    for (let attempt = 1; ; attempt++) {
      const res = spawnSync('docker', ['stack', 'rm', name], { encoding: 'utf8', timeout: 120_000 });
      if (res.status === 0) break;
      if (attempt >= 30) throw new Error(`docker stack rm ${name} kept failing: ${res.stderr.trim()}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000); // a blocking 1 s sleep
    }
  }
}

/** `ref` as an image of its own (its own digest): the test image with a label that differs per variant. */
export function buildImageVariant(ref: string, variant: string): string {
  ensureTestImage('dds-test-busybox:variant-base');
  const res = spawnSync('docker', ['build', '-q', '-t', ref, '-'], {
    input: `FROM dds-test-busybox:variant-base\nLABEL dds.test.variant="${variant}"\n`,
    encoding: 'utf8',
    env: { ...process.env, DOCKER_BUILDKIT: '0' },
  });
  if (res.status !== 0) throw new Error(`building ${ref} failed: ${res.stderr}`);
  return ref;
}
