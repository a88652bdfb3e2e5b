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
