/**
 * The images the multi-node suite runs, built on this machine (nothing can be pulled here):
 * - a Debian base made by debootstrap from the machine's own Debian mirror (kept between runs);
 * - MariaDB from Debian's packages on that base (test/cluster/mariadb);
 * - the app itself, from ./Dockerfile through deploy/build-image.sh --offline.
 * Built once per run by the suite's global setup, then copied into every node.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../..');
export const DEBIAN_IMAGE = 'dds-debian:bookworm';
export const MARIADB_IMAGE = 'dds-mariadb:cluster';
export const APP_IMAGE = 'dds-app:cluster';

function run(what: string, cmd: string, args: string[], opts: { input?: Buffer; env?: NodeJS.ProcessEnv; install?: string } = {}): string {
  const res = spawnSync(cmd, args, { input: opts.input, env: opts.env ?? process.env, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 900_000 });
  if (res.error) throw new Error(`${what}: ${res.error.message}${opts.install ? ` (install ${opts.install}, as .ci/run does)` : ''}`);
  if (res.status !== 0) throw new Error(`${what} failed (${res.status}): ${(res.stderr || res.stdout).trim().slice(-2000)}`);
  return res.stdout;
}

const hasImage = (ref: string) => spawnSync('docker', ['image', 'inspect', ref], { stdio: 'ignore' }).status === 0;

/** The Debian mirror apt uses here (deb822 sources or a classic sources.list). */
function debianMirror(): string {
  for (const file of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    const uri = /^URIs:\s*(\S+)/m.exec(text)?.[1] ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+\s+main/m.exec(text)?.[1];
    if (uri) return uri;
  }
  throw new Error('no Debian mirror found in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list');
}

function buildDebianBase(): void {
  if (hasImage(DEBIAN_IMAGE)) return;
  const dir = mkdtempSync(join(tmpdir(), 'dds-debian-'));
  try {
    run('debootstrap', 'debootstrap', ['--variant=minbase', 'bookworm', dir, debianMirror()], { install: "Debian's debootstrap" });
    const tar = spawnSync('tar', ['-C', dir, '-c', '.'], { maxBuffer: 1 << 30 });
    if (tar.status !== 0) throw new Error(`tar of the Debian root failed: ${tar.stderr}`);
    run('docker import', 'docker', ['import', '-', DEBIAN_IMAGE], { input: tar.stdout });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Builds the images; CLUSTER_KEEP_IMAGES=1 reuses those already built (while working on the tests only). */
export function buildClusterImages(): void {
  if (process.env.CLUSTER_KEEP_IMAGES === '1' && hasImage(APP_IMAGE) && hasImage(MARIADB_IMAGE)) return;
  buildDebianBase();
  run('building the MariaDB image', 'docker', ['build', '-q', '--build-arg', `BASE_IMAGE=${DEBIAN_IMAGE}`, '-t', MARIADB_IMAGE, join(ROOT, 'test/cluster/mariadb')], {
    env: { ...process.env, DOCKER_BUILDKIT: '0' },
  });
  run('deploy/build-image.sh --offline', 'bash', [join(ROOT, 'deploy/build-image.sh'), '--offline', APP_IMAGE]);
}
