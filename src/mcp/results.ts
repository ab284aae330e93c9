import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { AppError } from "@/core/errors";
import type { Logger } from "@/core/logger";
import { isDatabaseNotServing } from "@/db/client";
import { errorBody, type ErrorBody } from "@/http/errors";

// How a tool call answers. A success carries its structured output (checked by the SDK against
// the tool's output schema) and a text rendering for the model. A refusal is an MCP tool error
// (`isError: true`, spec 2025-11-25 "Tools" § Error Handling): the model reads it and can recover.
// Its content is a line for the model and our REST error envelope, as JSON, for programs: the same
// code, message, details and request id REST answers. No structuredContent on errors: clients
// validate it against the tool's output schema even when isError is set.

/** A tool's success: its structured output, and the text a model reads. */
export function toolSuccess(data: Record<string, unknown>, text: string): CallToolResult {
  return { content: [{ type: "text", text }], structuredContent: data };
}

/** A refusal as an MCP tool error, from the error envelope REST would answer. */
export function toolRefusal(body: ErrorBody): CallToolResult {
  const { code, message } = body.error;
  return {
    isError: true,
    content: [
      { type: "text", text: `${code}: ${message}` },
      { type: "text", text: JSON.stringify(body) },
    ],
  };
}

/**
 * Any failure as the AppError REST would answer, in onError's tiers: our refusals as they are, a
 * lost database as 503 database_unavailable, anything else a bug: logged with its stack, answered
 * with a generic message (never the exception's own text, which may carry internals).
 */
export function asAppError(err: unknown, log: Logger): AppError {
  if (err instanceof AppError) return err;
  if (isDatabaseNotServing(err)) {
    log.warn("database unavailable", { err });
    return new AppError("database_unavailable", "the database is unavailable; retry shortly");
  }
  log.error("unhandled error in an MCP call", { err });
  return new AppError("internal_error", "internal error; quote the request id when reporting it");
}

export const refusalOf = (err: AppError, requestId: string) => toolRefusal(errorBody(err, requestId));
