import { QueryFailedError } from 'typeorm';

/** True when a write failed on a UNIQUE or PRIMARY KEY constraint (MySQL/MariaDB or SQLite). */
export function isUniqueViolation(err: unknown): boolean {
  if (!(err instanceof QueryFailedError)) return false;
  const driver = (err as QueryFailedError & { driverError?: { code?: string; errno?: number } }).driverError;
  return (
    driver?.code === 'ER_DUP_ENTRY' ||
    driver?.errno === 1062 ||
    driver?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    driver?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}

/**
 * What mysql2 reports when the server cannot be reached or went away mid-query (refused, reset,
 * restarted, DNS of a rescheduled database service, a query that never answered).
 */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR',
]);

/** True when a query failed because the database could not be reached, not because of the query. */
export function isDatabaseUnreachable(err: unknown): boolean {
  const e = err as { code?: unknown; fatal?: unknown; driverError?: { code?: unknown; fatal?: unknown } } | null;
  if (!e || typeof e !== 'object') return false;
  const code = e.code ?? e.driverError?.code;
  // mysql2 marks every error that ended the connection as fatal.
  return (typeof code === 'string' && UNREACHABLE_CODES.has(code)) || e.fatal === true || e.driverError?.fatal === true;
}

export interface RetryOptions {
  /** How long to keep trying, from the first attempt. */
  forMs: number;
  /** The first pause; each later one doubles, up to `maxPauseMs`. */
  firstPauseMs?: number;
  maxPauseMs?: number;
  /** Called before each pause, e.g. to log. */
  onRetry?: (err: unknown, attempt: number) => void;
}

/**
 * Runs `work` until it succeeds, retrying with backoff while the database is unreachable (a restart,
 * a failover) for up to `forMs`; any other error, or the last one, is thrown. `work` must be safe to
 * run again after a failure whose commit may have happened (e.g. conditional updates).
 */
export async function retryWhileUnreachable<T>(work: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const end = Date.now() + opts.forMs;
  let pause = opts.firstPauseMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (!isDatabaseUnreachable(err) || Date.now() + pause > end) throw err;
      opts.onRetry?.(err, attempt);
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, opts.maxPauseMs ?? 10_000);
    }
  }
}
