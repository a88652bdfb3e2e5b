import { readFileSync } from 'node:fs';

/** Every bad variable found in one pass; main.ts prints one `configuration error:` line per problem and exits 1. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
  }

  /** What the process prints: each line names the variable and says why. */
  report(): string {
    return this.problems.map((problem) => `configuration error: ${problem}`).join('\n');
  }
}

export type Env = Record<string, string | undefined>;

/**
 * The config loaders' view of the environment. It collects every problem instead of stopping at the
 * first, so one start names all bad variables: a bad value reads as its default (or as nothing), and
 * `throwIfInvalid()` throws before any such value leaves the loader.
 */
export class EnvReader {
  private readonly problems: string[] = [];
  /** Variables whose NAME_FILE could not be read (already reported; not "missing" as well). */
  private readonly unreadable = new Set<string>();

  constructor(private readonly env: Env) {}

  /** NAME, or the content of the file NAME_FILE names (docker secrets mount files, not variables). Empty counts as unset. */
  string(name: string): string | undefined {
    const file = this.env[`${name}_FILE`];
    if (file) {
      try {
        return readFileSync(file, 'utf8').trim() || undefined;
      } catch (err) {
        this.unreadable.add(name);
        this.report(`${name}_FILE: cannot read ${file}: ${(err as Error).message}`);
        return undefined;
      }
    }
    const value = this.env[name]?.trim();
    return value || undefined;
  }

  /** Like string(), and reports `NAME (or NAME_FILE) is required <when>` if neither gives a value. */
  required(name: string, when: string): string | undefined {
    const value = this.string(name);
    if (value === undefined && !this.unreadable.has(name)) this.report(`${name} (or ${name}_FILE) is required ${when}`);
    return value;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const raw = this.string(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw)) return this.invalid(`${name} must be a whole number, got "${raw}"`, fallback);
    const value = Number(raw);
    if (value < min || value > max) return this.invalid(`${name} must be between ${min} and ${max}, got ${value}`, fallback);
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.string(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    return this.invalid(`${name} must be true or false, got "${raw}"`, fallback);
  }

  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const raw = this.string(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if ((choices as readonly string[]).includes(raw)) return raw as T;
    return this.invalid(`${name} must be one of ${choices.join(', ')}, got "${raw}"`, fallback);
  }

  /** A comma-separated list, items trimmed, empty items and duplicates dropped; the first invalid item is reported. */
  list(name: string, valid: (item: string) => boolean, what: string, transform: (item: string) => string = (item) => item): string[] {
    const items = [...new Set((this.string(name) ?? '').split(',').map((item) => transform(item.trim())).filter(Boolean))];
    const bad = items.find((item) => !valid(item));
    return bad === undefined ? items : this.invalid(`${name}: "${bad}" is not ${what}`, []);
  }

  /** Records a problem; the message starts with the variable's name. */
  report(problem: string): void {
    this.problems.push(problem);
  }

  /** Records a problem and gives `standIn`, which never leaves the loader (throwIfInvalid throws first). */
  invalid<T>(problem: string, standIn: T): T {
    this.report(problem);
    return standIn;
  }

  isValid(): boolean {
    return this.problems.length === 0;
  }

  throwIfInvalid(): void {
    if (this.problems.length) throw new ConfigError([...this.problems]);
  }
}

/** Runs `read` over `env`, then throws every problem found: loadConfiguration for all features, loadXConfig for one (tests, the migration CLI). */
export function loadFeature<T>(env: Env, read: (env: EnvReader) => T): T {
  const reader = new EnvReader(env);
  const config = read(reader);
  reader.throwIfInvalid();
  return config;
}
