// One error type for the whole service. Verbs throw AppError with a stable snake_case code;
// src/http/errors.ts is the only place that turns it into an HTTP response.

export const ERROR_STATUS = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  idempotency_conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  precondition_failed: 412,
  unprocessable: 422,
  rate_limited: 429,
  internal_error: 500,
  not_ready: 503,
} as const satisfies Record<string, number>;

export type KnownErrorCode = keyof typeof ERROR_STATUS;

export interface AppErrorOptions {
  status?: number;
  details?: Record<string, unknown>;
  headers?: Record<string, string>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    readonly code: string,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.status = options.status ?? ERROR_STATUS[code as KnownErrorCode] ?? 400;
    this.details = options.details;
    this.headers = options.headers;
  }
}

export const invalidRequest = (message: string, details?: Record<string, unknown>) =>
  new AppError("invalid_request", message, details ? { details } : {});

export const notFound = (what: string) => new AppError("not_found", `${what} not found`);
