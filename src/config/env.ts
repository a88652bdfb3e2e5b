import { readFileSync } from 'node:fs';

/** Raised at boot when the environment is invalid; main.ts prints the message and exits 1. */
export class ConfigError extends Error {}

export type Env = Record<string, string | undefined>;

/**
 * Reads NAME, or the file named by NAME_FILE (docker secrets mount files, not variables).
 * Empty values count as unset.
 */
export function readEnv(env: Env, name: string): string | undefined {
  const file = env[`${name}_FILE`];
  if (file) {
    try {
      return readFileSync(file, 'utf8').trim() || undefined;
    } catch (err) {
      throw new ConfigError(`${name}_FILE: cannot read ${file}: ${(err as Error).message}`);
    }
  }
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function readInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = readEnv(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

export function readBool(env: Env, name: string, fallback: boolean): boolean {
  const raw = readEnv(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

export function readChoice<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const raw = readEnv(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (!(choices as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${choices.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}
