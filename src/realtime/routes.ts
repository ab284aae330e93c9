import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import { resolveCredential } from "@/auth";
import type { Actor } from "@/core/actor";
import { AppError } from "@/core/errors";
import { INT8_MAX } from "@/core/money";
import type { RealtimeDeps } from "./deps";
import type { HonoEnv } from "@/http/env";
import { errorsFor } from "@/http/route-helpers";
import { access } from "@/http/guards";
import { StreamEventSchema } from "./events";
import { hubOf } from "./hub";
import { EventStream, MAX_QUEUED } from "./stream";
import { authorizeTopics, parseTopics } from "./topics";

/** `aliasOf`: the canonical operation's path; the alias is then documented as deprecated, pointing at it. */
const streamRoute = (path: string, operationId: string, aliasOf?: string) =>
  createRoute({
    method: "get",
    path,
    operationId,
    tags: ["realtime"],
    summary: aliasOf ? `Alias of GET ${aliasOf} (deprecated)` : "Server-sent events: ticker, stats and the caller's own user:<id> topic",
    ...(aliasOf ? { deprecated: true } : {}),
    description:
      (aliasOf ? `Deprecated alias of \`GET ${aliasOf}\` (operation \`streamEvents\`), the same stream; use \`GET ${aliasOf}\`. ` : "") +
      "An SSE stream (text/event-stream). Each frame has `id:` (monotonic; send it back as `Last-Event-ID` to resume from the bounded history), " +
      "`event:` (the type) and JSON `data:`. The first frame is `connected`; a comment line is sent as a heartbeat. " +
      "`user:<id>` needs that user's token, in the Authorization header or, because EventSource cannot set headers, as `?access_token=` (an access JWT).",
    ...access.public(),
    security: [{}, { bearerAuth: [] }],
    request: {
      query: z.object({
        topics: z.string().max(400).optional().openapi({ description: "Comma-separated: ticker, stats, user:<id> (default ticker,stats)", example: "ticker,stats" }),
        access_token: z.string().max(4096).optional().openapi({ description: "An access JWT, for clients that cannot send headers" }),
      }),
      headers: z.object({ "last-event-id": z.string().max(40).optional() }),
    },
    responses: {
      200: { description: "The event stream", content: { "text/event-stream": { schema: StreamEventSchema } } },
      ...errorsFor(400, 401, 403, 429, 503),
    },
  });

/** The caller: from the Authorization header (the global middleware), else from ?access_token=. */
async function streamActor(deps: RealtimeDeps, c: Context<HonoEnv>, accessToken: string | undefined): Promise<Actor> {
  const authError = c.get("authError");
  if (authError) throw authError;
  const actor = c.get("actor");
  if (actor.kind === "user" || accessToken === undefined) return actor;
  // Query strings end up in proxy logs: only short-lived access tokens go there, never API keys.
  if (accessToken.startsWith("mp_")) {
    throw new AppError("invalid_token", "send API keys in the Authorization header, not in the URL");
  }
  const resolved = await resolveCredential(deps, accessToken);
  if (resolved instanceof AppError) throw resolved;
  return resolved;
}

function lastEventId(raw: string | undefined): bigint | null {
  // Anything but digits (a foreign or garbled id) means no resume, not an error.
  return raw !== undefined && /^\d{1,19}$/.test(raw.trim()) && BigInt(raw.trim()) <= INT8_MAX ? BigInt(raw.trim()) : null;
}

export function registerRealtimeRoutes(router: OpenAPIHono<HonoEnv>, deps: RealtimeDeps) {
  const handler = async (c: Context<HonoEnv>, query: { topics?: string | undefined; access_token?: string | undefined }) => {
    const hub = hubOf(deps.broker);
    const topics = parseTopics(query.topics);
    const actor = await streamActor(deps, c, query.access_token);
    authorizeTopics(topics, actor);
    // HEAD gets what a GET would, without the stream: nothing reads a HEAD's body or notices its
    // end, so a stream opened for it held an SSE slot and a heartbeat timer until shutdown.
    if (c.req.method === "HEAD") return c.body(null, 200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
    const release = hub.admit(actor.kind === "user" ? actor.userId.toString() : null, deps.config.SSE_MAX_CONNECTIONS_PER_USER);
    const log = c.get("log");
    // Bun closes connections idle for its idleTimeout; this response is long-lived by design.
    // SAFETY: under Bun.serve, c.env is the Server; elsewhere (app.request in tests) it is absent.
    (c.env as { timeout?: (req: Request, seconds: number) => void } | undefined)?.timeout?.(c.req.raw, 0);
    c.header("X-Accel-Buffering", "no");
    const stream = new EventStream(
      {
        broker: deps.broker,
        topics,
        afterId: lastEventId(c.req.header("last-event-id")),
        heartbeatMs: deps.config.SSE_HEARTBEAT_MS,
        maxQueued: MAX_QUEUED,
        log,
      },
      (s, reason) => {
        hub.remove(s);
        release();
        log.debug("SSE stream ended", { reason });
      },
    );
    hub.add(stream);
    return streamSSE(c, (sse) => stream.run(sse));
  };
  // The typed route responses cannot describe a stream; the handler returns the raw Response.
  router.openapi(streamRoute("/v1/events", "streamEvents"), (c) => handler(c, c.req.valid("query")) as never);
  router.openapi(streamRoute("/events", "streamEventsAlias", "/v1/events"), (c) => handler(c, c.req.valid("query")) as never);
}
