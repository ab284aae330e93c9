import { OpenAPIHono } from "@hono/zod-openapi";
import type { ZodError } from "zod";
import { AppError } from "@/core/errors";
import { findUnstorableText, type UnstorableText } from "@/core/storable-text";
import type { HonoEnv } from "./env";
import { errorJson } from "./errors";

export interface ValidationIssue {
  field: string;
  location: string;
  message: string;
}

/** Every failing path, not just the first, so a client can fix its request in one go. */
export function validationError(error: ZodError, location: string): AppError {
  const issues: ValidationIssue[] = error.issues.map((issue) => ({
    field: issue.path.map(String).join(".") || "(root)",
    location,
    message: issue.message,
  }));
  const summary = issues.map((i) => `${i.field}: ${i.message}`).join("; ");
  return new AppError("invalid_request", `invalid ${location}: ${summary}`, { details: { issues } });
}

/** A string PostgreSQL cannot store (NUL, a lone surrogate): the same 400 as a schema failure. */
export function unstorableTextError(found: UnstorableText, location: string): AppError {
  const issues: ValidationIssue[] = [{ field: found.field, location, message: found.message }];
  return new AppError("invalid_request", `invalid ${location}: ${found.field}: ${found.message}`, { details: { issues } });
}

/**
 * The only way to make a router: the validation hook cannot be forgotten. It answers every schema
 * failure, and every validated value (body, query, path, headers) whose strings PostgreSQL could
 * not store, so that no route has to remember that rule.
 */
export function newRouter(): OpenAPIHono<HonoEnv> {
  return new OpenAPIHono<HonoEnv>({
    defaultHook: (result, c) => {
      if (!result.success) return errorJson(c, validationError(result.error, result.target));
      const found = findUnstorableText(result.data);
      if (found) return errorJson(c, unstorableTextError(found, result.target));
    },
  });
}
