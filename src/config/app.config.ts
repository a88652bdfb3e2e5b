import { registerAs } from '@nestjs/config';
import { resolve } from 'node:path';
import { ConfigError, Env, readBool, readEnv, readInt } from './env';

export interface AppConfig {
  nodeEnv: string;
  production: boolean;
  port: number;
  host: string;
  dataDir: string;
  publicBaseUrl: string;
  bodyLimitBytes: number;
  logLevel: string;
  /** Behind a reverse proxy, take the client address from X-Forwarded-For (rate limits key on it). */
  trustProxy: boolean;
}

export function loadAppConfig(env: Env = process.env): AppConfig {
  const nodeEnv = readEnv(env, 'NODE_ENV') ?? 'development';
  const port = readInt(env, 'PORT', 8080, 1, 65535);
  const publicBaseUrl = (readEnv(env, 'PUBLIC_BASE_URL') ?? `http://localhost:${port}`).replace(/\/+$/, '');
  let parsed: URL;
  try {
    parsed = new URL(publicBaseUrl);
  } catch {
    throw new ConfigError(`PUBLIC_BASE_URL must be an absolute http(s) URL, got "${publicBaseUrl}"`);
  }
  if (!['http:', 'https:'].includes(parsed.protocol)) {
    throw new ConfigError(`PUBLIC_BASE_URL must start with http:// or https://, got "${publicBaseUrl}"`);
  }
  const logLevel = readEnv(env, 'LOG_LEVEL') ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "${logLevel}"`);
  }
  return {
    nodeEnv,
    production: nodeEnv === 'production',
    port,
    host: readEnv(env, 'HOST') ?? '0.0.0.0',
    dataDir: resolve(readEnv(env, 'DATA_DIR') ?? './data'),
    publicBaseUrl,
    // Compose files are capped at 256 KiB; JSON escaping can roughly double that.
    bodyLimitBytes: readInt(env, 'BODY_LIMIT_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    logLevel,
    trustProxy: readBool(env, 'TRUST_PROXY', false),
  };
}

export const appConfig = registerAs('app', () => loadAppConfig());
