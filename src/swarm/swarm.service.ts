import { Injectable } from '@nestjs/common';
import { DockerCli, DockerRunOptions } from './docker-cli';

/** One row of `docker stack services --format '{{json .}}'`. */
export interface StackServiceState {
  id: string;
  name: string;
  image: string;
  mode: string;
  /** e.g. "1/1" running/desired */
  replicas: string;
}

/** Stack-level swarm operations, each one docker CLI call with an argv array. */
@Injectable()
export class SwarmService {
  constructor(private readonly docker: DockerCli) {}

  /** The services of a stack; an empty list when the stack is not deployed. */
  async listStackServices(stack: string): Promise<StackServiceState[]> {
    const { stdout } = await this.docker.run(['stack', 'services', '--format', '{{json .}}', '--', stack], { timeoutMs: 30_000 });
    return stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => {
        const row = JSON.parse(line) as Record<string, string>;
        return { id: row.ID, name: row.Name, image: row.Image, mode: row.Mode, replicas: row.Replicas };
      });
  }

  async isStackDeployed(stack: string): Promise<boolean> {
    return (await this.listStackServices(stack)).length > 0;
  }

  deployStack(stack: string, composeFile: string, opts?: DockerRunOptions) {
    return this.docker.run(['stack', 'deploy', '--with-registry-auth', '-c', composeFile, '--', stack], opts);
  }

  removeStack(stack: string, opts?: DockerRunOptions) {
    return this.docker.run(['stack', 'rm', '--', stack], opts);
  }
}
