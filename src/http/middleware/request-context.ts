import type { MiddlewareHandler } from "hono";
import { newId } from "@/core/ids";
import type { Logger } from "@/core/logger";
import type { HonoEnv } from "../env";

// An incoming X-Request-Id is kept when it looks like an id (so a gateway's id follows the
// request through); anything else is replaced, so logs cannot be injected through it.
const ACCEPTABLE_ID = /^[A-Za-z0-9_-]{8,64}$/;

/** Request id, a request-scoped logger, and one canonical JSON log line per request. */
export function requestContext(logger: Logger): MiddlewareHandler<HonoEnv> {
  return async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && ACCEPTABLE_ID.test(incoming) ? incoming : newId("req");
    const started = performance.now();
    c.set("requestId", requestId);
    c.set("receivedAt", started);
    c.set("log", logger.child({ request_id: requestId }));
    c.set("logFields", {});
    c.header("X-Request-Id", requestId);
    try {
      await next();
    } finally {
      const status = c.res.status;
      logger.info("request", {
        request_id: requestId,
        method: c.req.method,
        path: c.req.path,
        route: c.req.routePath,
        status,
        duration_ms: Math.round((performance.now() - started) * 100) / 100,
        outcome: status >= 500 ? "error" : status >= 400 ? "rejected" : "ok",
        ...c.get("logFields"),
      });
    }
  };
}
