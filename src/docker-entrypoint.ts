import { statSync } from 'node:fs';

/**
 * The container's entrypoint (see Dockerfile). Started as root, it joins the group that owns the
 * docker socket, becomes the unprivileged `node` user (uid/gid 1000 in the node images) for good,
 * then runs the app in this same process, so the app is PID 1 and gets SIGTERM directly.
 * Why not a fixed gid baked into the image: the socket's group differs between hosts (Debian's
 * docker.io picks a dynamic system gid, Docker Desktop uses 0), and swarm stack files cannot
 * `group_add` ("Additional property group_add is not allowed").
 */
export const APP_UID = 1000;
export const APP_GID = 1000;

/** The unix socket the docker CLI will use, or undefined for tcp:// and ssh:// hosts. */
export function dockerSocketPath(dockerHost: string | undefined): string | undefined {
  const host = dockerHost || 'unix:///var/run/docker.sock';
  return host.startsWith('unix://') ? host.slice('unix://'.length) : undefined;
}

/** Supplementary groups for the app user: its own, plus the socket's group when the socket is there. */
export function appGroups(socketGid: number | undefined): number[] {
  return socketGid === undefined || socketGid === APP_GID ? [APP_GID] : [APP_GID, socketGid];
}

function socketGid(path: string | undefined): number | undefined {
  if (!path) return undefined;
  try {
    return statSync(path).gid;
  } catch {
    return undefined; // no socket mounted: the app reports docker as unavailable when used
  }
}

export function dropPrivileges(env: NodeJS.ProcessEnv): void {
  // Started with `--user`/`user:` already: run as given (then add the socket group with group_add).
  if (process.getuid?.() !== 0) return;
  process.setgroups!(appGroups(socketGid(dockerSocketPath(env.DOCKER_HOST))));
  process.setgid!(APP_GID);
  process.setuid!(APP_UID);
  // The docker CLI keeps its config (registry logins) under $HOME/.docker unless DOCKER_CONFIG says otherwise.
  env.HOME = '/home/node';
}

if (require.main === module) {
  dropPrivileges(process.env);
  // Loaded only now, after the drop: nothing of the app ever runs as root.
  require('./main');
}
