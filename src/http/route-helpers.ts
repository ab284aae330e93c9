import type { z } from "@hono/zod-openapi";
import { errorResponses } from "./errors";

// Small builders for createRoute definitions, so every route declares bodies and errors alike.

/** A required JSON request body: without `required: true` zod-openapi skips validation. */
export const jsonBody = <T extends z.ZodTypeAny>(schema: T) => ({ required: true as const, content: { "application/json": { schema } } });

export const jsonContent = <T extends z.ZodTypeAny>(description: string, schema: T) => ({
  description,
  content: { "application/json": { schema } },
});

type ErrorStatus = keyof typeof errorResponses;

/** The shared error responses for these statuses (500 is always included). */
export function errorsFor<S extends ErrorStatus>(...statuses: S[]): Pick<typeof errorResponses, S | 500> {
  const out: Partial<Record<ErrorStatus, unknown>> = { 500: errorResponses[500] };
  for (const s of statuses) out[s] = errorResponses[s];
  // SAFETY: out holds exactly the picked keys, copied from errorResponses.
  return out as Pick<typeof errorResponses, S | 500>;
}
