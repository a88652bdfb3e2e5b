import { isStackName } from '../swarm/docker-names';
import { Env, EnvReader, loadFeature } from './env';
import { featureConfig } from './feature-config';

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

const DEFAULT_PORT_RANGE = { min: 30000, max: 32767 };

function readPortRange(env: EnvReader): { min: number; max: number } {
  const raw = env.string('USER_PORT_RANGE');
  if (raw === undefined) return DEFAULT_PORT_RANGE;
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(raw);
  const [min, max] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  if (!(min >= 1 && max <= 65535 && min <= max)) {
    return env.invalid(`USER_PORT_RANGE must be FIRST-LAST with 1 <= FIRST <= LAST <= 65535, got "${raw}"`, DEFAULT_PORT_RANGE);
  }
  return { min, max };
}

export function readTenancyConfig(env: EnvReader): TenancyConfig {
  return {
    reservedStackNames: env.list('RESERVED_STACK_NAMES', isStackName, 'a valid stack name (a-z 0-9 _ -, at most 30)'),
    sharedNetworks: env.list('USER_NETWORKS', (v) => NETWORK_NAME.test(v), 'a valid network name'),
    userPortRange: readPortRange(env),
    userMaxReplicas: env.int('USER_MAX_REPLICAS', 20, 1, 10_000),
    userMaxStacks: env.int('USER_MAX_STACKS', 50, 1, 100_000),
  };
}

export const loadTenancyConfig = (env: Env): TenancyConfig => loadFeature(env, readTenancyConfig);
export const tenancyConfig = featureConfig<TenancyConfig>('tenancy');
