import { registerAs } from '@nestjs/config';
import { Env, readInt } from './env';

export interface ShutdownConfig {
  /**
   * On SIGTERM, how long running deployments may take to finish before they are marked
   * `interrupted`. Keep it below the orchestrator's stop grace period (deploy/stack.yml
   * `stop_grace_period`), or docker kills the process before the marking happens.
   */
  graceSeconds: number;
}

export function loadShutdownConfig(env: Env = process.env): ShutdownConfig {
  return { graceSeconds: readInt(env, 'SHUTDOWN_GRACE_SECONDS', 30, 0, 3600) };
}

export const shutdownConfig = registerAs('shutdown', () => loadShutdownConfig());
