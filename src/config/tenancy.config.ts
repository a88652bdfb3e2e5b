import { registerAs } from '@nestjs/config';
import { ConfigError, Env, readEnv, readInt } from './env';
import { isStackName } from '../swarm/docker-names';

/** What a USER may do on the shared swarm (ADMINs are exempt; COMPOSE_POLICY=off exempts everyone). */
export interface TenancyConfig {
  /** Stack names no USER may save, besides the stack this service runs in (detected at start). */
  reservedStackNames: string[];
  /** Existing networks USERs may join with `external: true` (e.g. a reverse proxy's). */
  sharedNetworks: string[];
  /** Published ports USERs may use, inclusive. */
  userPortRange: { min: number; max: number };
  userMaxReplicas: number;
  userMaxStacks: number;
}

/** Docker's network names: letters, digits, `_ . -`, not starting with a separator. */
const NETWORK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

function readList(env: Env, name: string, valid: (v: string) => boolean, what: string): string[] {
  const items = (readEnv(env, name) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const bad = items.find((v) => !valid(v));
  if (bad !== undefined) throw new ConfigError(`${name}: "${bad}" is not a valid ${what}`);
  return [...new Set(items)];
}

function readPortRange(env: Env): { min: number; max: number } {
  const raw = readEnv(env, 'USER_PORT_RANGE') ?? '30000-32767';
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(raw);
  const [min, max] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  if (!(min >= 1 && max <= 65535 && min <= max)) {
    throw new ConfigError(`USER_PORT_RANGE must be FIRST-LAST with 1 <= FIRST <= LAST <= 65535, got "${raw}"`);
  }
  return { min, max };
}

export function loadTenancyConfig(env: Env = process.env): TenancyConfig {
  return {
    reservedStackNames: readList(env, 'RESERVED_STACK_NAMES', isStackName, 'stack name (a-z 0-9 _ -, at most 30)'),
    sharedNetworks: readList(env, 'USER_NETWORKS', (v) => NETWORK_NAME.test(v), 'network name'),
    userPortRange: readPortRange(env),
    userMaxReplicas: readInt(env, 'USER_MAX_REPLICAS', 20, 1, 10_000),
    userMaxStacks: readInt(env, 'USER_MAX_STACKS', 50, 1, 100_000),
  };
}

export const tenancyConfig = registerAs('tenancy', () => loadTenancyConfig());
