/**
 * The control plane as users run it on a swarm: deploy/stack.mysql.yml (app replicas on managers and
 * a MariaDB service) deployed on the multi-node cluster, driven over its published port on each node.
 * Test stacks roll images from the registry in the cluster's bridge namespace, as a user's would.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient, eventually } from '../../support/packaging';
import { GOOD_PASSWORD } from '../../support/test-app';
import { buildImageVariant } from '../../support/test-images';
import { Cluster, ClusterNode, REGISTRY_HOST, run, sh } from './cluster';
import { APP_IMAGE, MARIADB_IMAGE } from './images';

const ROOT = join(__dirname, '../../..');
export const STACK = 'dds';
export const APP_SERVICE = `${STACK}_app`;
export const DB_SERVICE = `${STACK}_db`;
export const APP_PORT = 8080;

export interface Task {
  id: string;
  node: string;
  desired: string;
  state: string;
  error: string;
  image: string;
}

export interface User {
  username: string;
  authorization: string;
}

export class ControlPlane {
  constructor(readonly cluster: Cluster) {}

  /**
   * Deploys deploy/stack.mysql.yml as docs/operations.md says (secrets first), and waits for every replica.
   * `keepOff`: a node that gets none of its tasks (paused while they are placed); `env`: more of the
   * stack file's DDS_* variables.
   */
  static async deploy(cluster: Cluster, replicas: number, keepOff?: ClusterNode, env: Record<string, string> = {}): Promise<ControlPlane> {
    const manager = cluster.nodes[0];
    if (keepOff) manager.docker('node', 'update', '--availability', 'pause', keepOff.name);
    for (const [name, value] of [
      ['dds_jwt_secret', randomBytes(32).toString('hex')],
      ['dds_secrets_key', randomBytes(32).toString('base64')],
      ['dds_db_password', randomBytes(24).toString('hex')],
    ]) {
      const res = await run('docker', ['-H', `unix://${manager.socket}`, 'secret', 'create', name, '-'], { input: value });
      if (res.status !== 0) throw new Error(`docker secret create ${name}: ${res.stderr}`);
    }
    const deployed = await run('docker', ['-H', `unix://${manager.socket}`, 'stack', 'deploy', '--resolve-image', 'never', '-c', join(ROOT, 'deploy/stack.mysql.yml'), STACK], {
      env: {
        ...process.env,
        DDS_IMAGE: APP_IMAGE,
        DDS_MARIADB_IMAGE: MARIADB_IMAGE,
        DDS_REPLICAS: String(replicas),
        DDS_PORT: String(APP_PORT),
        // No IPVS on this kernel: each replica answers on its own node's port (shared/toolchain.md).
        DDS_PUBLISH_MODE: 'host',
        DDS_REGISTRATION: 'open',
        DDS_INSECURE_REGISTRIES: REGISTRY_HOST,
        ...env,
      },
    });
    if (deployed.status !== 0) throw new Error(`docker stack deploy of the control plane failed: ${deployed.stderr}`);
    const plane = new ControlPlane(cluster);
    await plane.waitForReplicas(replicas, 180_000);
    if (keepOff) manager.docker('node', 'update', '--availability', 'active', keepOff.name);
    return plane;
  }

  private lastManager?: ClusterNode;

  /** A manager that answers (some may be down on purpose), the one that answered last first. */
  async manager(): Promise<ClusterNode> {
    const nodes = this.cluster.nodes;
    for (const node of this.lastManager ? [this.lastManager, ...nodes.filter((n) => n !== this.lastManager)] : nodes) {
      if ((await node.dockerAsync(['node', 'ls', '-q'], 10_000)).status === 0) return (this.lastManager = node);
    }
    throw new Error('no manager answers');
  }

  /** The current tasks of a service (desired state running), from a manager. */
  async tasks(service: string, all = false): Promise<Task[]> {
    const manager = await this.manager();
    const res = await manager.dockerAsync(['service', 'ps', '--no-trunc', ...(all ? [] : ['--filter', 'desired-state=running']), '--format', '{{json .}}', service]);
    if (res.status !== 0) throw new Error(`docker service ps ${service}: ${res.stderr}`);
    return res.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .map((t) => ({ id: t.ID, node: t.Node, desired: t.DesiredState, state: t.CurrentState, error: t.Error, image: t.Image }));
  }

  /** Whether a manager that answers reports node `name` as Ready. */
  async nodeReady(name: string): Promise<boolean> {
    return (await this.manager()).docker('node', 'ls', '--format', '{{.Hostname}} {{.Status}}').includes(`${name} Ready`);
  }

  /** The nodes whose app replica runs and answers /health/ready. */
  async readyReplicas(): Promise<ClusterNode[]> {
    const nodes = (await this.tasks(APP_SERVICE)).filter((t) => t.state.startsWith('Running')).map((t) => this.cluster.node(t.node));
    // A node cut off never answers: give up on it after a few seconds.
    const ready = await Promise.all(
      nodes.map((node) => fetch(`${this.api(node).baseUrl}/health/ready`, { signal: AbortSignal.timeout(3_000) }).then((res) => res.ok, () => false)),
    );
    return nodes.filter((_, i) => ready[i]);
  }

  async waitForReplicas(count: number, ms = 120_000): Promise<ClusterNode[]> {
    let ready: ClusterNode[] = [];
    await eventually(async () => (ready = await this.readyReplicas()).length >= count, `${count} app replica(s) to answer /health/ready`, ms, 1000);
    return ready;
  }

  api(node: ClusterNode): ApiClient {
    return new ApiClient(`http://${node.address}:${APP_PORT}`);
  }

  /** Registers (the first user is ADMIN on an open registration) and logs in. */
  async user(api: ApiClient, username: string): Promise<User> {
    const reg = await api.post('/web/user/login/registered', { username, password: GOOD_PASSWORD, name: username, phone: '15159845510' });
    if (reg.body.code !== 0) throw new Error(`registering ${username}: ${JSON.stringify(reg.body)}`);
    const login = await api.post('/web/user/login', { username, password: GOOD_PASSWORD });
    if (login.body.code !== 0) throw new Error(`logging in ${username}: ${JSON.stringify(login.body)}`);
    return { username, authorization: login.body.data.authorization };
  }

  /**
   * For a failed test: the nodes, every service with its tasks (the user stacks' rollouts) and the
   * control plane's logs without its successful requests, as one manager that answers sees them.
   */
  async report(since = '10m'): Promise<string> {
    const manager = await this.manager().catch(() => undefined);
    if (!manager) return 'cluster state: no manager answers';
    const docker = async (...args: string[]) => {
      const res = await manager.dockerAsync(args, 30_000);
      return `$ docker ${args.join(' ')}\n${(res.stdout + res.stderr).trim()}`;
    };
    const services = (await manager.dockerAsync(['service', 'ls', '--format', '{{.Name}}'], 30_000)).stdout.split('\n').filter(Boolean);
    const logs = await manager.dockerAsync(['service', 'logs', '--raw', '--since', since, APP_SERVICE], 30_000);
    const lines = (logs.stdout + logs.stderr).split('\n').filter((line) => !/"statusCode":[23]\d\d/.test(line));
    return [
      `cluster state, from ${manager.name}:`,
      await docker('node', 'ls'),
      await docker('service', 'ls'),
      ...(await Promise.all(services.map((service) => docker('service', 'ps', '--no-trunc', '--format', '{{.Node}} {{.Image}} {{.DesiredState}} {{.CurrentState}} {{.Error}}', service)))),
      `control plane logs:\n${lines.slice(-80).join('\n')}`,
    ].join('\n\n');
  }
}

/**
 * Pushes `REGISTRY_HOST/path:tag` through a node's engine, as an image of its own (its own digest).
 * Returns the repository and the pushed manifest digest.
 */
export function publish(node: ClusterNode, path: string, tag: string): { repository: string; digest: string } {
  const repository = `${REGISTRY_HOST}/${path}`;
  const ref = `${repository}:${tag}`;
  buildImageVariant(ref, `${path}:${tag}`);
  const dir = mkdtempSync(join(tmpdir(), 'dds-publish-'));
  try {
    sh('docker', 'save', '-o', join(dir, 'image.tar'), ref);
    node.docker('load', '-q', '-i', join(dir, 'image.tar'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const pushed = node.docker('push', ref);
  const digest = /digest: (sha256:[0-9a-f]{64})/.exec(pushed)?.[1];
  if (!digest) throw new Error(`no digest in the push output of ${ref}: ${pushed}`);
  sh('docker', 'image', 'rm', ref);
  return { repository, digest };
}

/** What CNCF Distribution posts for a tagged manifest push (one event; shared/toolchain.md). */
export function distributionPush(path: string, tag: string, digest: string) {
  return {
    events: [
      {
        id: randomBytes(8).toString('hex'),
        timestamp: new Date().toISOString(),
        action: 'push',
        target: {
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          size: 527,
          digest,
          length: 527,
          repository: path,
          url: `http://${REGISTRY_HOST}/v2/${path}/manifests/${digest}`,
          tag,
        },
        request: { id: randomBytes(8).toString('hex'), addr: '192.168.77.254:40000', host: REGISTRY_HOST, method: 'PUT', useragent: 'docker/20.10.24' },
        actor: {},
        source: { addr: 'registry:5000', instanceID: randomBytes(8).toString('hex') },
      },
    ],
  };
}

/** Posts a registry delivery to one replica's webhook URL (the path and query of the script's autoUpdateUrl). */
export async function deliver(api: ApiClient, autoUpdateUrl: string, body: unknown): Promise<{ status: number; body: any }> {
  const url = new URL(autoUpdateUrl);
  const res = await fetch(`${api.baseUrl}${url.pathname}${url.search}`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.docker.distribution.events.v1+json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    throw new Error(`webhook answered ${res.status} with non-JSON: ${text.slice(0, 200)}`);
  }
}
