/**
 * What a stack's swarm services are called. The displayed scripts and the deploy pipeline both use
 * these, so what a person runs by hand is what the service does. (A script's service name is its stack
 * name: its grammar and file layout belong to the docker boundary, src/swarm/.)
 */

/** Swarm names a stack's services `<stack>_<service>`. */
export function swarmServiceName(stack: string, service: string): string {
  return `${stack}_${service}`;
}

/** The service an update targets by default: the one named like the stack, else the first. */
export function primaryService(stack: string, serviceNames: readonly string[]): string | undefined {
  return serviceNames.includes(stack) ? stack : serviceNames[0];
}
