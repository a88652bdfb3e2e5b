import { resolve } from 'node:path';
import { Env, EnvReader, loadFeature } from './env';
import { featureConfig } from './feature-config';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** `auto`: JSON lines in production or when stdout is not a terminal, readable lines otherwise. */
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;

export interface AppConfig {
  nodeEnv: string;
  production: boolean;
  port: number;
  host: string;
  dataDir: string;
  publicBaseUrl: string;
  bodyLimitBytes: number;
  logLevel: (typeof LOG_LEVELS)[number];
  logFormat: (typeof LOG_FORMATS)[number];
  /** Behind a reverse proxy, take the client address from X-Forwarded-For (rate limits key on it). */
  trustProxy: boolean;
}

export const readNodeEnv = (env: EnvReader): string => env.string('NODE_ENV') ?? 'development';
export const readDataDir = (env: EnvReader): string => resolve(env.string('DATA_DIR') ?? './data');

function readPublicBaseUrl(env: EnvReader, port: number): string {
  const url = (env.string('PUBLIC_BASE_URL') ?? `http://localhost:${port}`).replace(/\/+$/, '');
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    return env.invalid(`PUBLIC_BASE_URL must be an absolute http(s) URL, got "${url}"`, url);
  }
  if (!['http:', 'https:'].includes(protocol)) return env.invalid(`PUBLIC_BASE_URL must start with http:// or https://, got "${url}"`, url);
  return url;
}

export function readAppConfig(env: EnvReader): AppConfig {
  const nodeEnv = readNodeEnv(env);
  const port = env.int('PORT', 8080, 1, 65535);
  return {
    nodeEnv,
    production: nodeEnv === 'production',
    port,
    host: env.string('HOST') ?? '0.0.0.0',
    dataDir: readDataDir(env),
    publicBaseUrl: readPublicBaseUrl(env, port),
    // Compose files are capped at 256 KiB; JSON escaping can roughly double that.
    bodyLimitBytes: env.int('BODY_LIMIT_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    logLevel: env.choice('LOG_LEVEL', LOG_LEVELS, 'info'),
    logFormat: env.choice('LOG_FORMAT', LOG_FORMATS, 'auto'),
    trustProxy: env.bool('TRUST_PROXY', false),
  };
}

export const loadAppConfig = (env: Env): AppConfig => loadFeature(env, readAppConfig);
export const appConfig = featureConfig<AppConfig>('app');
