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
