import { DockerAbortedError, DockerCliError, DockerTimeoutError, DockerUnavailableError } from './docker-cli';

export type DockerFailureKind = 'unavailable' | 'timeout' | 'aborted' | 'failed';

export interface DockerFailure {
  kind: DockerFailureKind;
  message: string;
}

// What the CLI prints when the engine is down or DOCKER_HOST points nowhere.
const ENGINE_DOWN = /Cannot connect to the Docker daemon|Is the docker daemon running|error during connect|dial unix .*docker\.sock/i;

/** Turns anything a docker call threw into a kind and one readable sentence. */
export function classifyDockerFailure(err: unknown): DockerFailure {
  if (err instanceof DockerUnavailableError) return { kind: 'unavailable', message: err.message };
  if (err instanceof DockerTimeoutError) return { kind: 'timeout', message: err.message };
  if (err instanceof DockerAbortedError) return { kind: 'aborted', message: 'the operation was stopped because the service is shutting down' };
  if (err instanceof DockerCliError) {
    const stderr = err.result.stderr.trim();
    const last = stderr.split('\n').filter(Boolean).pop() ?? `exit code ${err.result.exitCode}`;
    if (ENGINE_DOWN.test(stderr)) return { kind: 'unavailable', message: `the Docker engine is not reachable: ${last}` };
    return { kind: 'failed', message: last };
  }
  return { kind: 'failed', message: err instanceof Error ? err.message : String(err) };
}
