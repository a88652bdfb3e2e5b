import { chmodSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAppConfig } from '../config/app.config';
import { loadDockerConfig } from '../config/docker.config';
import { DockerCli } from './docker-cli';
import { InvalidDockerArgumentError } from './docker-names';
import { SwarmService } from './swarm.service';

const HOSTILE = ['--help', '-d', '$(id)', '`id`', 'a b', 'a\nb', 'a;b', "a'b", '', 'x'.repeat(300), '../etc'];

/** SwarmService over a fake docker that is a real process printing each argv element on its own line. */
function swarmWithEchoDocker() {
  const dir = mkdtempSync(join(tmpdir(), 'fake-docker-'));
  const bin = join(dir, 'docker');
  writeFileSync(bin, '#!/usr/bin/env bash\nfor a in "$@"; do printf "[%s]\\n" "$a"; done\n');
  chmodSync(bin, 0o755);
  const cli = new DockerCli({ ...loadDockerConfig({}), dockerBin: bin });
  return { swarm: new SwarmService(cli, { ...loadAppConfig({}), dataDir: join(dir, 'data') }), dataDir: join(dir, 'data') };
}

describe('SwarmService argv', () => {
  it('builds the update argv with options first and -- before the service', () => {
    expect(SwarmService.updateArgs('halo_halo', 'halohub/halo:1.4.7', true)).toEqual([
      'service', 'update', '--with-registry-auth', '--image', 'halohub/halo:1.4.7', '--detach=false',
      '--update-failure-action', 'rollback', '--', 'halo_halo',
    ]);
    expect(SwarmService.updateArgs('halo_halo', 'halohub/halo:1.4.7', false)).not.toContain('--update-failure-action');
  });

  it.each(HOSTILE)('refuses hostile %j as service, image or stack before running anything', async (v) => {
    const { swarm } = swarmWithEchoDocker();
    expect(() => SwarmService.updateArgs(v, 'halohub/halo:1', true)).toThrow(InvalidDockerArgumentError);
    expect(() => SwarmService.updateArgs('halo_halo', v, true)).toThrow(InvalidDockerArgumentError);
    expect(() => SwarmService.updateArgs('halo_halo', `halohub/halo:${v}`, true)).toThrow(InvalidDockerArgumentError);
    expect(() => swarm.deployStack(v, ['/tmp/x.yml'])).toThrow(InvalidDockerArgumentError);
    expect(() => swarm.removeStack(v)).toThrow(InvalidDockerArgumentError);
    await expect(swarm.listStackServices(v)).rejects.toBeInstanceOf(InvalidDockerArgumentError);
    await expect(swarm.writeComposeFile(v, 'services: {}')).rejects.toBeInstanceOf(InvalidDockerArgumentError);
  });

  it('hands each value to docker as exactly one argv element', async () => {
    const { swarm } = swarmWithEchoDocker();
    const digest = 'sha256:' + 'c'.repeat(64);
    const res = await swarm.updateService('a-b_c.d', `127.0.0.1:5000/ns/app:_odd.-tag@${digest}`, { rollback: true });
    expect(res.stdout.trim().split('\n')).toEqual(
      SwarmService.updateArgs('a-b_c.d', `127.0.0.1:5000/ns/app:_odd.-tag@${digest}`, true).map((a) => `[${a}]`),
    );
    const rm = await swarm.removeStack('halo');
    expect(rm.stdout.trim().split('\n')).toEqual(['[stack]', '[rm]', '[--]', '[halo]']);
  });

  it('writes the compose file atomically with mode 0600 and no temp file left', async () => {
    const { swarm, dataDir } = swarmWithEchoDocker();
    const path = await swarm.writeComposeFile('halo', 'services:\n  halo: {image: halo}\n');
    expect(path).toBe(join(dataDir, 'stacks', 'halo', 'docker-compose.yml'));
    await swarm.writeComposeFile('halo', 'services:\n  halo: {image: halo:2}\n');
    expect(readFileSync(path, 'utf8')).toBe('services:\n  halo: {image: halo:2}\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dataDir, 'stacks', 'halo'))).toEqual(['docker-compose.yml']);
  });
});
