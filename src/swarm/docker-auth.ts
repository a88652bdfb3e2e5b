import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerCli } from './docker-cli';

/** One registry login handed to docker for one operation. */
export interface RegistryLogin {
  /** Normalised registry host: `docker.io`, `ghcr.io`, `127.0.0.1:5000`. */
  host: string;
  username: string;
  password: string;
}

const DIR_PREFIX = 'dds-docker-config-';

/** The key docker's config.json uses for a host: Docker Hub keeps its historical index URL. */
export const dockerConfigKey = (host: string) => (host === 'docker.io' ? 'https://index.docker.io/v1/' : host);

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Registry credentials reach docker only through a private DOCKER_CONFIG directory made for one
 * operation (0700, a 0600 config.json with just the hosts it needs) and removed afterwards, whatever
 * happens: never on a command line, never in the config of the user the service runs as, never seen
 * by a concurrent operation. `--with-registry-auth` then forwards them to the nodes that pull.
 */
@Injectable()
export class DockerAuth implements OnModuleInit {
  private readonly logger = new Logger(DockerAuth.name);

  constructor(private readonly docker: DockerCli) {}

  async withRegistryAuth<T>(logins: readonly RegistryLogin[], run: (configDir: string) => Promise<T>): Promise<T> {
    // The pid in the name lets a later start remove what a killed process left behind.
    const dir = await mkdtemp(join(tmpdir(), `${DIR_PREFIX}${process.pid}-`));
    try {
      const auths = Object.fromEntries(
        logins.map((l) => [dockerConfigKey(l.host), { auth: Buffer.from(`${l.username}:${l.password}`, 'utf8').toString('base64') }]),
      );
      await writeFile(join(dir, 'config.json'), JSON.stringify({ auths }), { mode: 0o600, flag: 'wx' });
      return await run(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** `docker login` against the registry with a throwaway config; rejects with docker's error (the registry's reason). */
  async checkLogin(login: RegistryLogin, timeoutMs: number): Promise<void> {
    await this.withRegistryAuth([], (configDir) =>
      this.docker.run(['login', `--username=${login.username}`, '--password-stdin', '--', login.host], { input: login.password, configDir, timeoutMs }),
    );
  }

  /** Config directories of processes that died mid-operation (kill -9) are removed at the next start. */
  async onModuleInit(): Promise<void> {
    const entries = await readdir(tmpdir()).catch(() => [] as string[]);
    for (const name of entries) {
      if (!name.startsWith(DIR_PREFIX)) continue;
      const pid = Number(/^(\d+)-/.exec(name.slice(DIR_PREFIX.length))?.[1]);
      if (!pid || pid === process.pid || processAlive(pid)) continue;
      await rm(join(tmpdir(), name), { recursive: true, force: true }).catch((err: Error) => this.logger.warn(`cannot remove ${name}: ${err.message}`));
    }
  }
}
