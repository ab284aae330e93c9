import type { MiddlewareHandler } from "hono";
import { AppError } from "@/core/errors";
import type { HonoEnv } from "../env";
import { errorJson } from "../errors";

// A JSON body nested thousands of levels deep is valid JSON, parses, and then breaks whatever
// walks it recursively: JSON.stringify in a schema refinement, the storable-text check, jsonb.
// No request of this API nests deeper than a JSON Schema in an MCP tool definition does (a dozen
// levels), so bodies are measured on their text, before anything parses them, and refused past
// MAX_JSON_DEPTH as any other malformed request.

export const MAX_JSON_DEPTH = 64;

const JSON_TYPE = /json/i;

/** How deep the text's arrays and objects nest (strings skipped), counting up to `limit` + 1. */
export function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++; // backslash: the next character is escaped
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x7b || ch === 0x5b) {
      if (++depth > max && (max = depth) > limit) return max;
    } else if (ch === 0x7d || ch === 0x5d) depth--;
  }
  return max;
}

export function jsonDepthLimit(maxDepth = MAX_JSON_DEPTH): MiddlewareHandler<HonoEnv> {
  return async (c, next) => {
    if (c.req.raw.body && JSON_TYPE.test(c.req.header("content-type") ?? "")) {
      // Read once: Hono keeps the text, and the validators and handlers parse it from there.
      if (jsonDepth(await c.req.text(), maxDepth) > maxDepth) {
        return errorJson(
          c,
          new AppError("invalid_request", `invalid json: the body nests deeper than ${maxDepth} levels`, {
            details: { issues: [{ field: "(body)", location: "json", message: `nests deeper than ${maxDepth} levels` }] },
          }),
        );
      }
    }
    await next();
  };
}
