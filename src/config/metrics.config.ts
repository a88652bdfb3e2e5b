import { registerAs } from '@nestjs/config';
import { ConfigError, Env, readEnv } from './env';

export interface MetricsConfig {
  /** When set, GET /metrics needs `Authorization: Bearer <token>`; unset, /metrics is open. */
  token?: string;
}

export function loadMetricsConfig(env: Env = process.env): MetricsConfig {
  const token = readEnv(env, 'METRICS_TOKEN');
  if (token !== undefined && token.length < 16) {
    throw new ConfigError('METRICS_TOKEN must be at least 16 characters; use e.g. `openssl rand -hex 24`');
  }
  return { token };
}

export const metricsConfig = registerAs('metrics', () => loadMetricsConfig());
