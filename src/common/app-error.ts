import { ErrorDef } from './error-codes';

export interface FieldError {
  field: string;
  message: string;
}

/**
 * A domain error with a stable code. `detail` adds a sentence to the catalogue message (say, which
 * rule a password broke); `data` goes into the envelope's data (say, the offending fields).
 */
export class AppError extends Error {
  constructor(
    readonly error: ErrorDef,
    readonly detail?: { zh: string; en: string },
    readonly data?: unknown,
    /** Overrides the catalogue's HTTP status, for callers that must not see a failure status. */
    readonly status?: number,
  ) {
    super(detail ? `${error.en}: ${detail.en}` : error.en);
  }
}
