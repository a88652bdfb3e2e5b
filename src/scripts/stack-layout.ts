import { join } from 'node:path';

/**
 * Where a stack's files live and what its swarm services are called. The displayed scripts and the
 * deploy pipeline both use these, so what a person runs by hand is what the service does.
 */

/** Stack names: the swarm's own limit is looser, but these are safe in paths, URLs and shell words. */
export const SERVICE_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,29}$/;

export const isValidServiceName = (name: unknown): name is string => typeof name === 'string' && SERVICE_NAME_PATTERN.test(name);

/** `<DATA_DIR>/stacks/<serviceName>` */
export function stackDirectory(dataDir: string, serviceName: string): string {
  if (!isValidServiceName(serviceName)) throw new Error(`invalid stack name ${JSON.stringify(serviceName)}`);
  return join(dataDir, 'stacks', serviceName);
}

/** `<DATA_DIR>/stacks/<serviceName>/docker-compose.yml` */
export function composeFilePath(dataDir: string, serviceName: string): string {
  return join(stackDirectory(dataDir, serviceName), 'docker-compose.yml');
}

/** Swarm names a stack's services `<stack>_<service>`. */
export function swarmServiceName(stack: string, service: string): string {
  return `${stack}_${service}`;
}

/** The service an update targets by default: the one named like the stack, else the first. */
export function primaryService(stack: string, serviceNames: readonly string[]): string | undefined {
  return serviceNames.includes(stack) ? stack : serviceNames[0];
}
