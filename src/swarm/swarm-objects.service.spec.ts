import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDockerConfig } from '../config/docker.config';
import { DockerCli } from './docker-cli';
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
