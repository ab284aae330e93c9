// Every failure the CLI reports is a CliError: one line for people, a stable code for --json.
// Exit codes: 1 for a failure, 2 for a command line that cannot be run as typed.

export class CliError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** An error answer from the API, with the envelope's code and what the caller may need from it. */
export class ApiError extends CliError {
  constructor(
    message: string,
    code: string,
    readonly status: number,
    readonly details: Record<string, unknown> | undefined,
    readonly retryAfterSeconds: number | undefined,
    /** The API's request id (for --json output and bug reports). */
    readonly requestId?: string | undefined,
  ) {
    super(message, code);
    this.name = "ApiError";
  }
}

export const usageError = (message: string) => new CliError(message, "usage", 2);

/** Whatever was thrown, as a CliError: an unexpected exception still gets one readable line. */
export function asCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new CliError(`unexpected failure: ${message}`, "internal_error");
}
