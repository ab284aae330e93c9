import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { AppError } from "@/core/errors";
import { isDatabaseNotServing } from "@/db/client";
import type { HonoEnv } from "./env";

// The one place where errors become HTTP: contract.md's envelope
// {"error": {"code", "message", "details"?, "request_id"}} for every failure.

export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "invalid_request" }),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
      request_id: z.string().openapi({ example: "req_3uR8mW0PqkG2cX1yTzV9aB" }),
    }),
  })
  .openapi("Error", {
    example: {
      error: {
        code: "insufficient_funds",
        message: "available balance 1000 is less than 5000",
        details: { available_atomic: "1000", amount_atomic: "5000" },
        request_id: "req_3uR8mW0PqkG2cX1yTzV9aB",
      },
    },
  });

export type ErrorBody = z.infer<typeof ErrorBodySchema>;

const errorContent = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorBodySchema } },
});

/** Shared error responses, spread into every route's `responses`. */
export const errorResponses = {
  400: errorContent("The request is malformed; `details.issues` names each failing field."),
  401: errorContent("Missing or invalid credentials."),
  402: errorContent("Payment refused: insufficient funds or bond."),
  403: errorContent("Authenticated, but not allowed to do this."),
  404: errorContent("No such resource."),
  409: errorContent("Conflicts with the current state (or an idempotency key reused with another body)."),
  410: errorContent("Gone: it expired."),
  413: errorContent("The body is larger than the limit."),
  422: errorContent("Well-formed, but refused by a rule of the domain (an amount below a minimum, an expired intent, a failed transaction)."),
  429: errorContent("Rate limited; see Retry-After."),
  500: errorContent("A bug on our side; quote the request id."),
  503: errorContent("A dependency is unavailable or the feature is switched off here; retry later."),
} as const;

// Details may carry chain data with bigints (e.g. an instruction error's custom code).
const plainJson = (value: Record<string, unknown>): Record<string, unknown> =>
  JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))) as Record<string, unknown>;

/** The envelope of an error, as stored for idempotent replays and sent by errorJson. */
export function errorBody(err: AppError, requestId: string): ErrorBody {
  return {
    error: {
      code: err.code,
      message: err.message,
      ...(err.details ? { details: plainJson(err.details) } : {}),
      request_id: requestId,
    },
  };
}

export function errorJson(c: Context<HonoEnv>, err: AppError): Response {
  const body = errorBody(err, c.get("requestId") ?? "req_unknown");
  if (err.headers) for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
  return c.json(body, err.status as ContentfulStatusCode);
}

/** Four tiers: our AppError, Hono's HTTPException, the database gone (503), anything else (a bug: logged, generic 500). */
export function onError(err: Error, c: Context<HonoEnv>): Response {
  if (err instanceof AppError) return errorJson(c, err);
  if (isDatabaseNotServing(err)) {
    c.get("log")?.warn("database unavailable", { err });
    return errorJson(c, new AppError("database_unavailable", "the database is unavailable; retry shortly", { headers: { "Retry-After": "1" } }));
  }
  if (err instanceof HTTPException) {
    // Hono's own refusals keep their status under the nearest code: the one place a code may
    // answer another status than its own (a 4xx other than 401 and 413 is invalid_request).
    const status = err.status;
    const code = status === 413 ? "payload_too_large" : status === 401 ? "unauthorized" : status >= 500 ? "internal_error" : "invalid_request";
    return errorJson(c, AppError.withStatus(code, status, status >= 500 ? "internal error" : err.message || "bad request"));
  }
  if (err instanceof SyntaxError && /JSON/i.test(err.message)) {
    return errorJson(c, new AppError("invalid_request", "request body is not valid JSON"));
  }
  c.get("log")?.error("unhandled error", { err });
  c.set("logFields", { ...c.get("logFields"), error_type: err.name });
  return errorJson(c, new AppError("internal_error", "internal error; quote the request id when reporting it"));
}

export function notFoundHandler(c: Context<HonoEnv>): Response {
  return errorJson(c, new AppError("not_found", `no route for ${c.req.method} ${c.req.path}`));
}
