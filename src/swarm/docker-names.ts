/**
 * The names this service puts on a docker command line, validated before any argv is built: a value
 * that passes can neither start with "-" (so it is never read as an option) nor contain whitespace,
 * quotes or shell text. Image references have their own module, image-reference.ts.
 */

/**
 * A stack name (a script's service name): also a swarm network and service name prefix, a folder
 * under DATA_DIR/stacks and a word in the displayed scripts, so kept short, lowercase and safe in
 * paths, URLs and shell words (the swarm's own limit is looser).
 */
export const STACK_NAME_RE = /^[a-z0-9][a-z0-9_-]{0,29}$/;
/**
 * A service name: a compose service key, and the swarm service `<stack>_<key>` docker stack deploy
 * makes of it. One grammar for both, since the key becomes part of the swarm name.
 */
export const SERVICE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

export const isStackName = (v: unknown): v is string => typeof v === 'string' && STACK_NAME_RE.test(v);
export const isSwarmServiceName = (v: unknown): v is string => typeof v === 'string' && SERVICE_NAME_RE.test(v);

/** Thrown when a value would not be a safe, valid docker argument; nothing has been run. */
export class InvalidDockerArgumentError extends Error {
  constructor(
    readonly what: string,
    value: unknown,
  ) {
    super(`invalid ${what}: ${JSON.stringify(String(value).slice(0, 80))}`);
  }
}

function check<T>(ok: boolean, what: string, value: T): T {
  if (!ok) throw new InvalidDockerArgumentError(what, value);
  return value;
}

export const assertStackName = (v: string) => check(isStackName(v), 'stack name', v);
export const assertSwarmServiceName = (v: string) => check(isSwarmServiceName(v), 'service name', v);

/** A swarm secret name (docker allows 64 characters of these). */
export const SECRET_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** A label `key=value` this service sets: keys and values it generates itself, never free text. */
export const LABEL_RE = /^[a-z][a-z0-9.-]{0,62}=[A-Za-z0-9_.-]{1,64}$/;
/** Object ids and names docker lists (services, volumes, containers) as handed back to docker. */
export const OBJECT_REF_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,254}$/;
