import { ERROR_CODES, type ErrorCode } from "./error-codes";

export { ERROR_CODES, roleRequired, type ErrorCode, type ErrorCodeWithStatus, type ErrorStatus, type PdaRefusalCode } from "./error-codes";

// One error type for the whole service. Verbs throw AppError with a stable snake_case code from
// ERROR_CODES, which gives its status; src/http/errors.ts is the only place that turns it into
// an HTTP response.

export interface AppErrorOptions {
  details?: Record<string, unknown>;
  headers?: Record<string, string>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;

  /** The status is the code's, from ERROR_CODES. */
  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.details = options.details;
    this.headers = options.headers;
  }

  /**
   * An answer whose status is not its code's table entry, because it comes from outside: Hono's
   * own HTTPException keeps its status under the nearest code (invalid_request, internal_error),
   * and a refusal replayed under its Idempotency-Key keeps the status it was first answered with.
   * test/core/error-codes.test.ts lists the files allowed to call it.
   */
  static withStatus(code: ErrorCode, status: number, message: string, options: AppErrorOptions = {}): AppError {
    const err = new AppError(code, message, options);
    // SAFETY: status is readonly to everyone else; this is its one documented override.
    (err as { status: number }).status = status;
    return err;
  }
}

export const invalidRequest = (message: string, details?: Record<string, unknown>) =>
  new AppError("invalid_request", message, details ? { details } : {});

export const notFound = (what: string) => new AppError("not_found", `${what} not found`);
