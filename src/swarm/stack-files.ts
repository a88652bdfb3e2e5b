import { join } from 'node:path';
import { assertStackName } from './docker-names';

/** `<DATA_DIR>/stacks/<stack>`: the stack name is checked first, so no path leaves that folder. */
export function stackDirectory(dataDir: string, stack: string): string {
  return join(dataDir, 'stacks', assertStackName(stack));
}

/** One of the stack's compose files: the user's `docker-compose.yml` unless another name is given. */
export function composeFilePath(dataDir: string, stack: string, fileName = 'docker-compose.yml'): string {
  return join(stackDirectory(dataDir, stack), fileName);
}
