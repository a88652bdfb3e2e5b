import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { productionStart } from '../bench/lib/processes';
import { APP_GID, appGroups, dockerSocketPath } from './docker-entrypoint';

describe('docker-entrypoint', () => {
  it('finds the unix socket the docker CLI will use', () => {
    expect(dockerSocketPath(undefined)).toBe('/var/run/docker.sock');
    expect(dockerSocketPath('')).toBe('/var/run/docker.sock');
    expect(dockerSocketPath('unix:///run/user/1000/docker.sock')).toBe('/run/user/1000/docker.sock');
    expect(dockerSocketPath('tcp://10.0.0.5:2376')).toBeUndefined();
    expect(dockerSocketPath('ssh://deploy@host')).toBeUndefined();
  });

  it('adds the socket group (also gid 0, as on Docker Desktop) to the app user groups', () => {
    expect(appGroups(undefined)).toEqual([APP_GID]);
    expect(appGroups(APP_GID)).toEqual([APP_GID]);
    expect(appGroups(106)).toEqual([APP_GID, 106]);
    expect(appGroups(0)).toEqual([APP_GID, 0]);
  });
});

describe('the image starts node as `npm run start:prod` does', () => {
  // The bench measures start:prod's command (bench/lib/processes.ts); the image must run the same.
  const dockerfile = readFileSync(join(__dirname, '..', 'Dockerfile'), 'utf8');
  const start = productionStart();

  it('with its node flags', () => {
    const entrypoint = JSON.parse(/^ENTRYPOINT (.*)$/m.exec(dockerfile)![1]);
    expect(entrypoint).toEqual(['node', ...start.nodeArgs, 'dist/src/docker-entrypoint.js']);
    expect(start.main).toBe('dist/src/main.js');
  });

  it('with its environment variables', () => {
    const env = /^ENV ((?:.*\\\n)*.*)$/m.exec(dockerfile)![1];
    for (const [name, value] of Object.entries(start.env)) expect(env).toMatch(new RegExp(`\\b${name}=${value}\\b`));
  });
});
