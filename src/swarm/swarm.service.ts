import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { appConfig } from '../config/app.config';
import { writeFileAtomic } from './atomic-write';
import { DockerCli, DockerCliError, DockerRunOptions } from './docker-cli';
import { assertStackName, assertSwarmServiceName, InvalidDockerArgumentError } from './docker-names';
import { isImageReference } from './image-reference';
import { composeFilePath } from './stack-files';
import { interpretUpdateStatus, parseUpdateStatus, UpdateVerdict } from './update-status';

/** One row of `docker stack services --format '{{json .}}'`. */
export interface StackServiceState {
  id: string;
  name: string;
  image: string;
  mode: string;
  /** e.g. "1/1" running/desired */
  replicas: string;
}

/** The live state of a stack, as shown in the script detail. */
export interface StackState {
  deployed: boolean;
  services: { name: string; image: string; mode: string; replicas: { running: number; desired: number } }[];
}

/** What `docker service inspect` says about a service after an update. */
export interface ServiceUpdateState extends UpdateVerdict {
  /** The image the service spec now runs, e.g. `halohub/halo:1.4.7` (docker may append `@sha256:...`). */
  image: string;
}

/** One task of `docker service ps --no-trunc`, for explaining failures ("No such image: ..."). */
export interface ServiceTask {
  id: string;
  name: string;
  /** The node's hostname (empty while the task is not scheduled). */
  node: string;
  image: string;
  desiredState: string;
  currentState: string;
  error: string;
}

export interface UpdateOptions extends DockerRunOptions {
  /** Pass `--update-failure-action rollback` (docker then exits 0 after rolling back). */
  rollback?: boolean;
}

const QUERY_TIMEOUT_MS = 30_000;

/** The rows of `docker stack services` or `docker service ls` with `--format '{{json .}}'` (one table format). */
export function parseServiceRows(stdout: string): StackServiceState[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      const row = JSON.parse(line) as Record<string, string>;
      return { id: row.ID, name: row.Name, image: row.Image, mode: row.Mode, replicas: row.Replicas };
    });
}

/** A service's running/desired tasks from its REPLICAS column: "1/2", or "0/1 (max 1 per node)" for a placement limit; global services read the same. */
export function replicaCounts(replicas: string | undefined): { running: number; desired: number } {
  const m = /^(\d+)\/(\d+)/.exec(replicas ?? '');
  return { running: Number(m?.[1] ?? 0), desired: Number(m?.[2] ?? 0) };
}

/** Stack- and service-level swarm operations, each one docker CLI call with a validated argv array. */
@Injectable()
export class SwarmService {
  constructor(
    private readonly docker: DockerCli,
    @Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>,
  ) {}

  /** The services of a stack; an empty list when the stack is not deployed. */
  async listStackServices(stack: string, opts: { timeoutMs?: number } = {}): Promise<StackServiceState[]> {
    assertStackName(stack);
    const { stdout } = await this.docker.run(['stack', 'services', '--format', '{{json .}}', '--', stack], { timeoutMs: opts.timeoutMs ?? QUERY_TIMEOUT_MS });
    return parseServiceRows(stdout);
  }

  /** Every stack on the swarm that has services. */
  async stackNames(): Promise<string[]> {
    const { stdout } = await this.docker.run(['stack', 'ls', '--format', '{{.Name}}'], { timeoutMs: QUERY_TIMEOUT_MS });
    return stdout.split('\n').map((s) => s.trim()).filter(Boolean);
  }

  /** Deployed or not, and each service's image and running/desired replicas. */
  async stackState(stack: string, opts: { timeoutMs?: number } = {}): Promise<StackState> {
    const services = (await this.listStackServices(stack, opts)).map((s) => ({ name: s.name, image: s.image, mode: s.mode, replicas: replicaCounts(s.replicas) }));
    return { deployed: services.length > 0, services };
  }

  /** Writes one of the stack's compose files atomically (mode 0600) and returns its path. */
  async writeComposeFile(stack: string, content: string, fileName = 'docker-compose.yml'): Promise<string> {
    const path = composeFilePath(this.app.dataDir, stack, fileName);
    await writeFileAtomic(path, content);
    return path;
  }

  /** `docker stack deploy` of the compose files merged in order (the user's, then this service's labels). */
  deployStack(stack: string, composeFiles: string[], opts?: DockerRunOptions) {
    assertStackName(stack);
    return this.docker.run(['stack', 'deploy', '--with-registry-auth', ...composeFiles.flatMap((f) => ['-c', f]), '--', stack], opts);
  }

  removeStack(stack: string, opts?: DockerRunOptions) {
    assertStackName(stack);
    return this.docker.run(['stack', 'rm', '--', stack], opts);
  }

  /** The argv of a rolling update; exported through here so tests can prove what reaches docker. */
  static updateArgs(service: string, imageRef: string, rollback: boolean): string[] {
    assertSwarmServiceName(service);
    if (!isImageReference(imageRef)) throw new InvalidDockerArgumentError('image reference', imageRef);
    return [
      'service', 'update', '--with-registry-auth', '--image', imageRef, '--detach=false',
      ...(rollback ? ['--update-failure-action', 'rollback'] : []),
      '--', service,
    ];
  }

  /**
   * Rolls a service to `imageRef` and waits for it. Its exit code does not tell the result (0 after
   * an automatic rollback): read inspectUpdate afterwards.
   */
  updateService(service: string, imageRef: string, opts: UpdateOptions = {}) {
    const { rollback = false, ...run } = opts;
    return this.docker.run(SwarmService.updateArgs(service, imageRef, rollback), run);
  }

  /** UpdateStatus and the current image of a service; null when the service does not exist. */
  async inspectUpdate(service: string): Promise<ServiceUpdateState | null> {
    assertSwarmServiceName(service);
    const res = await this.docker.run(
      ['service', 'inspect', '--format', '{{json .UpdateStatus}}\t{{json .Spec.TaskTemplate.ContainerSpec.Image}}', '--', service],
      { timeoutMs: QUERY_TIMEOUT_MS },
    ).catch((err) => {
      if (err instanceof DockerCliError && /no such service/i.test(err.result.stderr)) return null;
      throw err;
    });
    if (!res) return null;
    const [status, image] = res.stdout.trim().split('\t');
    return { ...interpretUpdateStatus(parseUpdateStatus(status)), image: JSON.parse(image) as string };
  }

  /** Hostnames of the swarm's nodes that are not `ready` (down, unknown, disconnected). Managers only. */
  async unreadyNodes(): Promise<Set<string>> {
    const { stdout } = await this.docker.run(['node', 'ls', '--format', '{{.Hostname}}\t{{.Status}}'], { timeoutMs: QUERY_TIMEOUT_MS });
    const lines = stdout.split('\n').map((line) => line.trim().split('\t'));
    return new Set(lines.filter(([host, status]) => host && status && status.toLowerCase() !== 'ready').map(([host]) => host));
  }

  /** The service's tasks, newest first as docker lists them. */
  async serviceTasks(service: string): Promise<ServiceTask[]> {
    assertSwarmServiceName(service);
    const { stdout } = await this.docker.run(['service', 'ps', '--no-trunc', '--format', '{{json .}}', '--', service], { timeoutMs: QUERY_TIMEOUT_MS });
    return stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => {
        const row = JSON.parse(line) as Record<string, string>;
        return {
          id: row.ID,
          name: row.Name,
          node: row.Node ?? '',
          image: row.Image,
          desiredState: row.DesiredState,
          currentState: row.CurrentState,
          // docker quotes the error text: "\"No such image: x:1\"".
          error: (row.Error ?? '').replace(/^"|"$/g, '').replace(/\\"/g, '"'),
        };
      });
  }
}
