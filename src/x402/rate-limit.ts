import type { MiddlewareHandler } from "hono";
import type { Clock } from "@/core/clock";
import type { HonoEnv } from "@/http/env";
import { clientIp, rateLimitedError, rateLimitHeaders, rateLimitRefusals, type LimitResult } from "@/http/rate-limit/limiter";
import type { Registry } from "prom-client";

// The facilitator's rate limit: per caller (the vendor of a gateway key, else the IP address), in
// this process's memory. Not the shared PostgreSQL counter the sign-in routes use: settle is the
// payment path, and a counter row written per call would cost it a round trip and a hot row per
// vendor (the gateway payment path has no limiter at all). Per instance, so N instances allow N
// times the limit; it bounds a runaway client, it is not a quota.

const WINDOW_SECONDS = 60;
/** Callers counted in one window before the table starts over (a flood of IPs cannot grow it). */
const MAX_KEYS = 100_000;

export function x402RateLimit(options: { clock: Clock; perMinute: number; trustProxy: boolean; metrics: Registry }): MiddlewareHandler<HonoEnv> {
  const refusals = rateLimitRefusals(options.metrics);
  let windowStart = 0;
  let counts = new Map<string, number>();
  const hit = (key: string): LimitResult => {
    const now = options.clock.now().getTime();
    const start = Math.floor(now / (WINDOW_SECONDS * 1000)) * WINDOW_SECONDS * 1000;
    if (start !== windowStart || counts.size >= MAX_KEYS) {
      windowStart = start;
      counts = new Map();
    }
    const count = (counts.get(key) ?? 0) + 1;
    counts.set(key, count);
    const reset = Math.ceil((start + WINDOW_SECONDS * 1000) / 1000);
    return { allowed: count <= options.perMinute, limit: options.perMinute, remaining: Math.max(0, options.perMinute - count), reset, retryAfter: Math.max(1, reset - Math.floor(now / 1000)) };
  };
  return async (c, next) => {
    const actor = c.get("actor");
    const key = actor.kind === "user" ? `user:${actor.userId}` : `ip:${clientIp(c, options.trustProxy)}`;
    const r = hit(key);
    if (!r.allowed) {
      refusals.inc({ scope: "x402" });
      throw rateLimitedError(r, "too many facilitator requests; retry after Retry-After");
    }
    await next();
    for (const [k, v] of Object.entries(rateLimitHeaders(r))) c.res.headers.set(k, v);
  };
}
