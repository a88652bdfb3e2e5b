import { Env, EnvReader, loadFeature } from './env';
import { featureConfig } from './feature-config';

export interface MetricsConfig {
  /** When set, GET /metrics needs `Authorization: Bearer <token>`; unset, /metrics is open. */
  token?: string;
}

export function readMetricsConfig(env: EnvReader): MetricsConfig {
  const token = env.string('METRICS_TOKEN');
  if (token !== undefined && token.length < 16) {
    env.report('METRICS_TOKEN must be at least 16 characters; use e.g. `openssl rand -hex 24`');
  }
  return { token };
}

export const loadMetricsConfig = (env: Env): MetricsConfig => loadFeature(env, readMetricsConfig);
export const metricsConfig = featureConfig<MetricsConfig>('metrics');
