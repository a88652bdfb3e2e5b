import { Injectable } from '@nestjs/common';
import { DockerCli, DockerCliError, DockerRunOptions } from './docker-cli';
import { assertStackName, InvalidDockerArgumentError, LABEL_RE, OBJECT_REF_RE, SECRET_NAME_RE } from './docker-names';
import { Labels, LabelledResource, StackResources } from './stack-ownership';
import { parseServiceRows, replicaCounts } from './swarm.service';

const QUERY_TIMEOUT_MS = 30_000;
/** docker stack deploy marks everything it creates with this label. */
const NAMESPACE_LABEL = 'com.docker.stack.namespace';

const check = (ok: boolean, what: string, value: unknown) => {
  if (!ok) throw new InvalidDockerArgumentError(what, value);
};
const labelArgs = (flag: string, labels: Labels) =>
  Object.entries(labels).flatMap(([k, v]) => {
    check(LABEL_RE.test(`${k}=${v}`), 'label', `${k}=${v}`);
    return [flag, `${k}=${v}`];
  });
/** Lines of `{{json .Name}} {{json .Labels}}` (or Spec.*) as resources. */
const parseLabelled = (stdout: string): LabelledResource[] =>
  stdout
    .split('\n')
    .filter((line) => line.startsWith('"'))
    .map((line) => {
      const space = line.indexOf(' ');
      return { name: JSON.parse(line.slice(0, space)) as string, labels: (JSON.parse(line.slice(space + 1)) as Labels | null) ?? {} };
    });

/** A stack's service with its labels and, as `docker stack services` shows it, image, mode and tasks. */
export interface StackServiceSnapshot extends LabelledResource {
  image: string;
  mode: string;
  replicas: { running: number; desired: number };
}

/** What a stack has on the swarm: enough for its state and for who owns it. */
export interface StackSnapshot extends StackResources {
  services: StackServiceSnapshot[];
}

/** An object listed a moment ago and removed since: `docker ... inspect` then names it on stderr. */
const VANISHED = /^Error(: | response from daemon: ).*no such (service|volume)/i;

/** The swarm objects around stacks: their labels, stack secrets, the container this service runs in. */
@Injectable()
export class SwarmObjectsService {
  constructor(private readonly docker: DockerCli) {}

  /** The stack's services and (this node's) volumes with their labels: what decides who owns it. */
  async stackResources(stack: string): Promise<StackResources> {
    const filter = `label=${NAMESPACE_LABEL}=${assertStackName(stack)}`;
    const opts = { timeoutMs: QUERY_TIMEOUT_MS };
    const [serviceIds, volumeNames] = await Promise.all([
      this.docker.run(['service', 'ls', '--quiet', '--filter', filter], opts).then((r) => this.refs(r.stdout)),
      this.docker.run(['volume', 'ls', '--quiet', '--filter', filter], opts).then((r) => this.refs(r.stdout)),
    ]);
    const inspect = async (kind: 'service' | 'volume', refs: string[], format: string) =>
      refs.length ? parseLabelled((await this.docker.run([kind, 'inspect', '--format', format, '--', ...refs], opts)).stdout) : [];
    const [services, volumes] = await Promise.all([
      inspect('service', serviceIds, '{{json .Spec.Name}} {{json .Spec.Labels}}'),
      inspect('volume', volumeNames, '{{json .Name}} {{json .Labels}}'),
    ]);
    return { services, volumes };
  }

  /**
   * Every stack's services and (this node's) volumes, by stack: the same objects stackResources and
   * `docker stack services` read for one stack, in four docker calls whatever the number of stacks.
   * A service belongs to the stack its `com.docker.stack.namespace` label names, never to one its name
   * merely starts with (`app_x_web` may be stack `app_x`'s). `timeoutMs` bounds the whole read.
   */
  async everyStack(opts: { timeoutMs: number }): Promise<Map<string, StackSnapshot>> {
    const deadline = Date.now() + opts.timeoutMs;
    const left = () => ({ timeoutMs: Math.max(1, deadline - Date.now()) });
    const namespaced = ['--filter', `label=${NAMESPACE_LABEL}`];
    const [rows, volumeNames] = await Promise.all([
      this.docker.run(['service', 'ls', ...namespaced, '--format', '{{json .}}'], left()).then((r) => parseServiceRows(r.stdout)),
      this.docker.run(['volume', 'ls', '--quiet', ...namespaced], left()).then((r) => this.refs(r.stdout)),
    ]);
    const [services, volumes] = await Promise.all([
      this.inspectPresent('service', rows.map((r) => r.id).filter((id) => OBJECT_REF_RE.test(id)), '{{json .Spec.Name}} {{json .Spec.Labels}}', left()),
      this.inspectPresent('volume', volumeNames, '{{json .Name}} {{json .Labels}}', left()),
    ]);
    const stacks = new Map<string, StackSnapshot>();
    const stackOf = (r: LabelledResource) => {
      const name = r.labels[NAMESPACE_LABEL];
      if (name && !stacks.has(name)) stacks.set(name, { services: [], volumes: [] });
      return name ? stacks.get(name) : undefined;
    };
    const labelsByName = new Map(services.map((s) => [s.name, s]));
    // In `service ls` order: by name, as `docker stack services` lists them.
    for (const row of rows) {
      const service = labelsByName.get(row.name);
      if (service) stackOf(service)?.services.push({ ...service, image: row.image, mode: row.mode, replicas: replicaCounts(row.replicas) });
    }
    for (const volume of volumes) stackOf(volume)?.volumes.push(volume);
    return stacks;
  }

  /** Adds labels to services without touching their tasks (service labels are not part of the task spec). */
  async labelServices(services: string[], labels: Labels, opts?: DockerRunOptions): Promise<void> {
    for (const service of services) {
      check(OBJECT_REF_RE.test(service), 'service', service);
      await this.docker.run(['service', 'update', '--detach', ...labelArgs('--label-add', labels), '--', service], opts);
    }
  }

  /** Creates a swarm secret; the value goes through stdin, never onto a command line. */
  async createSecret(name: string, value: string, labels: Labels): Promise<void> {
    check(SECRET_NAME_RE.test(name), 'secret name', name);
    await this.docker.run(['secret', 'create', ...labelArgs('--label', labels), '--', name, '-'], { input: value, timeoutMs: QUERY_TIMEOUT_MS });
  }

  /** Names of the secrets carrying every one of `labels`. */
  async secretsLabelled(labels: Labels): Promise<string[]> {
    const filters = labelArgs('--filter', labels).map((a) => (a === '--filter' ? a : `label=${a}`));
    const { stdout } = await this.docker.run(['secret', 'ls', ...filters, '--format', '{{.Name}}'], { timeoutMs: QUERY_TIMEOUT_MS });
    return this.refs(stdout);
  }

  /** Removes a secret; false when docker refuses because a service still uses it. */
  async removeSecret(name: string): Promise<boolean> {
    check(SECRET_NAME_RE.test(name), 'secret name', name);
    try {
      await this.docker.run(['secret', 'rm', '--', name], { timeoutMs: QUERY_TIMEOUT_MS });
      return true;
    } catch (err) {
      if (err instanceof DockerCliError && /not found/i.test(err.result.stderr)) return true; // gone already
      if (err instanceof DockerCliError && /in use/i.test(err.result.stderr)) return false;
      throw err;
    }
  }

  /** The stack a container belongs to ('' when none); throws when there is no such container. */
  async containerStack(container: string): Promise<string> {
    check(OBJECT_REF_RE.test(container), 'container', container);
    const { stdout } = await this.docker.run(
      ['container', 'inspect', '--format', `{{index .Config.Labels "${NAMESPACE_LABEL}"}}`, '--', container],
      { timeoutMs: QUERY_TIMEOUT_MS },
    );
    return stdout.trim().replace(/^<no value>$/, '');
  }

  /** `docker <kind> inspect` of objects just listed; one removed in between is left out, not an error. */
  private async inspectPresent(kind: 'service' | 'volume', refs: string[], format: string, opts: DockerRunOptions): Promise<LabelledResource[]> {
    if (!refs.length) return [];
    const args = [kind, 'inspect', '--format', format, '--', ...refs];
    const result = await this.docker.exec(args, opts);
    const errors = result.stderr.split('\n').filter(Boolean);
    if (result.exitCode !== 0 && !(errors.length && errors.every((line) => VANISHED.test(line)))) throw new DockerCliError(args, result);
    return parseLabelled(result.stdout);
  }

  private refs(stdout: string): string[] {
    return stdout.split('\n').map((s) => s.trim()).filter((s) => OBJECT_REF_RE.test(s));
  }
}
