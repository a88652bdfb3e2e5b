import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDockerConfig } from '../config/docker.config';
import { DockerCli, DockerCliError, DockerTimeoutError } from './docker-cli';
import { InvalidDockerArgumentError } from './docker-names';
import { SwarmObjectsService } from './swarm-objects.service';

/** A fake docker (a real process) that records its argv and stdin in files. */
function objectsWithRecordingDocker() {
  const dir = mkdtempSync(join(tmpdir(), 'fake-docker-'));
  const bin = join(dir, 'docker');
  writeFileSync(bin, `#!/usr/bin/env bash\nprintf '%s\\n' "$@" > '${dir}/argv'\ncat > '${dir}/stdin'\n`);
  chmodSync(bin, 0o755);
  const objects = new SwarmObjectsService(new DockerCli({ ...loadDockerConfig({}), dockerBin: bin }));
  return { objects, argv: () => readFileSync(join(dir, 'argv'), 'utf8').trim().split('\n'), stdin: () => readFileSync(join(dir, 'stdin'), 'utf8') };
}

describe('SwarmObjectsService argv', () => {
  it('hands a secret value to docker on stdin, never on the command line', async () => {
    const { objects, argv, stdin } = objectsWithRecordingDocker();
    await objects.createSecret('app_db_0a1b2c3d', 's3cret value $(id)', { 'dds.script': '7' });
    expect(argv()).toEqual(['secret', 'create', '--label', 'dds.script=7', '--', 'app_db_0a1b2c3d', '-']);
    expect(stdin()).toBe('s3cret value $(id)');
  });

  it('labels services one by one with options before --', async () => {
    const { objects, argv } = objectsWithRecordingDocker();
    await objects.labelServices(['app_web'], { 'dds.installation': 'abc', 'dds.script': '7' });
    expect(argv()).toEqual(['service', 'update', '--detach', '--label-add', 'dds.installation=abc', '--label-add', 'dds.script=7', '--', 'app_web']);
  });

  it.each(['--help', '-d', 'a b', '$(id)', '', 'x'.repeat(65)])('refuses the secret name %j before running anything', async (name) => {
    const { objects } = objectsWithRecordingDocker();
    await expect(objects.createSecret(name, 'v', {})).rejects.toBeInstanceOf(InvalidDockerArgumentError);
    await expect(objects.removeSecret(name)).rejects.toBeInstanceOf(InvalidDockerArgumentError);
  });

  it('refuses labels that are not its own simple key=value form', async () => {
    const { objects } = objectsWithRecordingDocker();
    await expect(objects.labelServices(['app_web'], { 'dds.script': '7 --x' })).rejects.toBeInstanceOf(InvalidDockerArgumentError);
    await expect(objects.secretsLabelled({ 'Bad Key': '1' })).rejects.toBeInstanceOf(InvalidDockerArgumentError);
  });
});

/** A fake docker (a real process) answering the four calls of everyStack from a script; it logs each argv line. */
function objectsWithSwarm(inspectServices: string) {
  const dir = mkdtempSync(join(tmpdir(), 'fake-docker-'));
  const bin = join(dir, 'docker');
  const row = (id: string, name: string, mode: string, replicas: string) =>
    JSON.stringify({ ID: id, Image: `acme/${name}:1`, Mode: mode, Name: name, Ports: '', Replicas: replicas });
  writeFileSync(
    bin,
    [
      '#!/usr/bin/env bash',
      `echo "$*" >> '${dir}/calls'`,
      'case "$1 $2" in',
      `  "service ls") printf '%s\\n' '${row('s1', 'app_x_web', 'replicated', '1/2')}' '${row('s2', 'app_x_db', 'global', '0/1 (max 1 per node)')}' '${row('s3', 'gone_web', 'replicated', '1/1')}' ;;`,
      '  "volume ls") printf \'app_data\\napp_x_data\\n\' ;;',
      `  "service inspect") ${inspectServices} ;;`,
      '  "volume inspect") echo \'"app_data" {"com.docker.stack.namespace":"app","dds.owner":"7"}\'; echo \'"app_x_data" {"com.docker.stack.namespace":"app_x"}\' ;;',
      '  *) echo "unexpected: $*" >&2; exit 9 ;;',
      'esac',
    ].join('\n'),
  );
  chmodSync(bin, 0o755);
  const objects = new SwarmObjectsService(new DockerCli({ ...loadDockerConfig({}), dockerBin: bin }));
  return { objects, calls: () => readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n').sort() };
}

describe('SwarmObjectsService.everyStack', () => {
  const INSPECT_ALL = [
    'echo \'"app_x_web" {"com.docker.stack.namespace":"app","dds.script":"1"}\'',
    'echo \'"app_x_db" {"com.docker.stack.namespace":"app_x","dds.script":"2"}\'',
    'echo "Error: no such service: s3" >&2',
    'exit 1',
  ].join('; ');

  it('groups services and volumes by their stack label, not by their names, with each service state', async () => {
    const { objects, calls } = objectsWithSwarm(INSPECT_ALL);
    const stacks = await objects.everyStack({ timeoutMs: 5000 });
    expect(calls()).toEqual([
      'service inspect --format {{json .Spec.Name}} {{json .Spec.Labels}} -- s1 s2 s3',
      'service ls --filter label=com.docker.stack.namespace --format {{json .}}',
      'volume inspect --format {{json .Name}} {{json .Labels}} -- app_data app_x_data',
      'volume ls --quiet --filter label=com.docker.stack.namespace',
    ]);
    expect([...stacks.keys()].sort()).toEqual(['app', 'app_x']);
    expect(stacks.get('app')).toEqual({
      services: [
        { name: 'app_x_web', labels: { 'com.docker.stack.namespace': 'app', 'dds.script': '1' }, image: 'acme/app_x_web:1', mode: 'replicated', replicas: { running: 1, desired: 2 } },
      ],
      volumes: [{ name: 'app_data', labels: { 'com.docker.stack.namespace': 'app', 'dds.owner': '7' } }],
    });
    expect(stacks.get('app_x')).toEqual({
      services: [
        { name: 'app_x_db', labels: { 'com.docker.stack.namespace': 'app_x', 'dds.script': '2' }, image: 'acme/app_x_db:1', mode: 'global', replicas: { running: 0, desired: 1 } },
      ],
      volumes: [{ name: 'app_x_data', labels: { 'com.docker.stack.namespace': 'app_x' } }],
    });
  });

  it('fails when an inspect fails for another reason than a removed object', async () => {
    const { objects } = objectsWithSwarm('echo "Error response from daemon: This node is not a swarm manager." >&2; exit 1');
    await expect(objects.everyStack({ timeoutMs: 5000 })).rejects.toThrow(/not a swarm manager/);
    const silent = objectsWithSwarm('exit 1');
    await expect(silent.objects.everyStack({ timeoutMs: 5000 })).rejects.toBeInstanceOf(DockerCliError);
  });

  it('gives the whole read one time limit', async () => {
    const { objects } = objectsWithSwarm('exec sleep 5');
    const started = Date.now();
    await expect(objects.everyStack({ timeoutMs: 300 })).rejects.toBeInstanceOf(DockerTimeoutError);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
