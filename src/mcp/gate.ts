import { isJsonContentType } from "@modelcontextprotocol/sdk/shared/mediaType.js";
import { SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/sdk/types.js";
import type { Config } from "@/config";
import type { MiddlewareHandler } from "hono";
import { AppError } from "@/core/errors";
import type { HonoEnv } from "@/http/env";
import { originRule } from "./origin";

// What the Streamable HTTP transport asks of a request before any JSON-RPC message is read, checked
// in the route's middleware (before the body is validated) and refused in the API's envelope like
// every other refusal: the Origin (DNS rebinding, origin.ts), Accept, Content-Type, and the
// MCP-Protocol-Version header. The SDK's transport would answer the same refusals with a bare
// JSON-RPC error instead.

const JSON_RANGES = new Set(["application/json", "application/*", "*/*"]);

/**
 * The client takes JSON: no Accept, or one admitting application/json. The transport wants JSON
 * and SSE both listed; /mcp always answers JSON, so a client that lists JSON alone (curl, some
 * SDKs) is served rather than refused.
 */
function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === "") return true;
  return accept.split(",").some((range) => JSON_RANGES.has(range.split(";")[0]!.trim().toLowerCase()));
}

export function mcpGate(config: Config): { post: MiddlewareHandler<HonoEnv>; origin: MiddlewareHandler<HonoEnv> } {
  const origins = originRule(config);
  // Plain functions returning next()'s promise: a refusal thrown here reaches onError as from any
  // middleware, and a POST that passes costs no async frame of its own.
  const origin: MiddlewareHandler<HonoEnv> = (c, next) => {
    origins.check({ origin: c.req.header("origin"), host: c.req.header("host") });
    return next();
  };
  const post: MiddlewareHandler<HonoEnv> = (c, next) => {
    origins.check({ origin: c.req.header("origin"), host: c.req.header("host") });
    if (!acceptsJson(c.req.header("accept"))) throw new AppError("not_acceptable", "MCP answers in JSON: send Accept: application/json, text/event-stream");
    if (!isJsonContentType(c.req.header("content-type"))) throw new AppError("unsupported_media_type", "send the JSON-RPC message with Content-Type: application/json");
    const version = c.req.header("mcp-protocol-version");
    if (version !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
      const message = `unsupported MCP protocol version; this server speaks ${SUPPORTED_PROTOCOL_VERSIONS.join(", ")}`;
      throw new AppError("invalid_request", `invalid header: mcp-protocol-version: ${message}`, { details: { issues: [{ field: "mcp-protocol-version", location: "header", message }] } });
    }
    return next();
  };
  return { post, origin };
}
