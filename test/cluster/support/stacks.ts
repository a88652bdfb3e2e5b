/** A user's stack on the multi-node swarm, rolled by the control plane as a registry push would. */
import { ApiClient, eventually } from '../../support/packaging';
import { Deployment, FINISHED } from '../../support/rollouts';
import { ClusterNode, REGISTRY_HOST } from './cluster';
import { ControlPlane, User } from './control-plane';

/**
 * Three tasks spread over the nodes (`maxPerNode` 1: exactly one per node), stop-first, rolled back on
 * failure.
 */
export function spreadCompose(path: string, tag: string, opts: { replicas?: number; monitor?: string; delay?: string; maxPerNode?: number } = {}): string {
  return `version: "3.8"
services:
  web:
    image: ${REGISTRY_HOST}/${path}:${tag}
    stop_grace_period: 1s
    deploy:
      replicas: ${opts.replicas ?? 3}
      placement: { max_replicas_per_node: ${opts.maxPerNode ?? 1} }
      update_config: { parallelism: 1, delay: ${opts.delay ?? '0s'}, monitor: ${opts.monitor ?? '2s'}, failure_action: rollback, order: stop-first }
      rollback_config: { parallelism: 1, monitor: 1s }
      restart_policy: { condition: any, delay: 1s }
`;
}

export class UserStack {
  readonly service: string;

  private constructor(
    readonly plane: ControlPlane,
    readonly owner: User,
    readonly name: string,
    readonly id: number,
    readonly autoUpdateUrl: string,
  ) {
    this.service = `${name}_web`;
  }

  /** Saves the script and deploys it (createService) through `api`, waiting for its tasks to run. */
  static async create(plane: ControlPlane, api: ApiClient, owner: User, name: string, compose: string, runningTasks = 3): Promise<UserStack> {
    const saved = await api.post('/web/user/script', { serviceName: name, dockerComposeContent: compose, isAutoUpdate: 1 }, owner.authorization);
    if (saved.body.code !== 0) throw new Error(`saving ${name}: ${JSON.stringify(saved.body)}`);
    const stack = new UserStack(plane, owner, name, saved.body.data.id, saved.body.data.autoUpdateUrl);
    const created = await api.put(`/web/user/script/${stack.id}/createService`, undefined, owner.authorization);
    if (created.body.code !== 0) throw new Error(`createService ${name}: ${JSON.stringify(created.body)}`);
    await eventually(async () => (await stack.running()).length === runningTasks, `${runningTasks} running tasks of ${stack.service}`, 90_000, 1000);
    return stack;
  }

  /** Its running tasks: node and image, from a manager. */
  async running(): Promise<{ node: string; image: string }[]> {
    return (await this.plane.tasks(this.service)).filter((t) => t.state.startsWith('Running')).map((t) => ({ node: t.node, image: t.image }));
  }

  /** What each node's engine really runs for this service: the image (with digest) of every running container. */
  async containersByNode(nodes: ClusterNode[]): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const node of nodes) {
      const ids = await node.dockerAsync(['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${this.service}`], 15_000);
      const images = ids.status === 0 && ids.stdout.trim() ? await node.dockerAsync(['inspect', '--format', '{{.Config.Image}}', ...ids.stdout.split('\n').filter(Boolean)], 15_000) : ids;
      out[node.name] = images.status === 0 ? images.stdout.split('\n').filter(Boolean) : [`(engine of ${node.name} does not answer)`];
    }
    return out;
  }

  async deployments(api: ApiClient): Promise<Deployment[]> {
    const res = await api.get(`/web/user/script/${this.id}/deployments?pageSize=50`, this.owner.authorization);
    if (res.body.code !== 0) throw new Error(`deployments of ${this.name}: ${JSON.stringify(res.body)}`);
    return res.body.data.content;
  }

  async deployment(api: ApiClient, id: number): Promise<Deployment & { output: string[] }> {
    const res = await api.get(`/web/user/deployments/${id}`, this.owner.authorization);
    if (res.body.code !== 0) throw new Error(`deployment ${id}: ${JSON.stringify(res.body)}`);
    return res.body.data;
  }

  /** Waits until deployment `id` is finished (through whichever replica `api` reaches) and returns it. */
  async finished(api: () => ApiClient, id: number, ms = 180_000): Promise<Deployment & { output: string[] }> {
    let last: (Deployment & { output: string[] }) | undefined;
    await eventually(
      async () => {
        last = await this.deployment(api(), id).catch(() => last);
        return !!last && FINISHED.includes(last.status);
      },
      `deployment ${id} of ${this.name} to finish`,
      ms,
      500,
    ).catch((err) => {
      throw new Error(`${err.message}; last seen ${last?.status}, output:\n${last?.output.join('\n')}`);
    });
    return last!;
  }
}
