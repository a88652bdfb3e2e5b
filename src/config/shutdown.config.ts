import { Env, EnvReader, loadFeature } from './env';
import { featureConfig } from './feature-config';

export interface ShutdownConfig {
  /**
   * On SIGTERM, how long running deployments may take to finish before they are marked
   * `interrupted`. Keep it below the orchestrator's stop grace period (deploy/stack.yml
   * `stop_grace_period`), or docker kills the process before the marking happens.
   */
  graceSeconds: number;
}

export function readShutdownConfig(env: EnvReader): ShutdownConfig {
  return { graceSeconds: env.int('SHUTDOWN_GRACE_SECONDS', 30, 0, 3600) };
}

export const loadShutdownConfig = (env: Env): ShutdownConfig => loadFeature(env, readShutdownConfig);
export const shutdownConfig = featureConfig<ShutdownConfig>('shutdown');
