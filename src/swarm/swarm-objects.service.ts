import { Injectable } from '@nestjs/common';
import { DockerCli, DockerCliError, DockerRunOptions } from './docker-cli';
import { assertStackName, InvalidDockerArgumentError, LABEL_RE, OBJECT_REF_RE, SECRET_NAME_RE } from './docker-names';
import { Labels, LabelledResource, StackResources } from './stack-ownership';

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

  private refs(stdout: string): string[] {
    return stdout.split('\n').map((s) => s.trim()).filter((s) => OBJECT_REF_RE.test(s));
  }
}
