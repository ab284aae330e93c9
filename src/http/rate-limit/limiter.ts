import type { Context, MiddlewareHandler } from "hono";
import { getConnInfo } from "hono/bun";
import { isIP } from "node:net";
import { Counter, Registry } from "prom-client";
import type { Clock } from "@/core/clock";
import { AppError } from "@/core/errors";
import type { Sql } from "@/db/client";
import type { HonoEnv } from "../env";
import { metricOf } from "../metrics";
import { hit, pruneBefore } from "./queries";

export interface LimitResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Unix seconds when the window ends. */
  reset: number;
  retryAfter: number;
}

export interface RateLimiter {
  check(bucket: string, key: string, limit: number, windowSeconds: number): Promise<LimitResult>;
}

/**
 * `rate_limit_refusals_total{scope}` on /metrics. Scopes are fixed names (a limiter's bucket, "x402",
 * "sse_streams"), never a key: the key is an IP address or a user.
 */
export function rateLimitRefusals(registry: Registry): Counter<"scope"> {
  return metricOf(registry, "rate_limit_refusals_total", () =>
    new Counter({ name: "rate_limit_refusals_total", help: "Requests refused for a rate limit, by scope", labelNames: ["scope"] as const, registers: [registry] }),
  );
}

/** Fixed windows counted in PostgreSQL, so that every instance shares one count. */
export function createRateLimiter(sql: Sql, clock: Clock, registry: Registry = new Registry()): RateLimiter {
  const refusals = rateLimitRefusals(registry);
  let calls = 0;
  return {
    async check(bucket, key, limit, windowSeconds) {
      const nowMs = clock.now().getTime();
      const windowMs = windowSeconds * 1000;
      const start = Math.floor(nowMs / windowMs) * windowMs;
      const count = await hit(sql, bucket, key, new Date(start));
      // Old windows are pruned now and then rather than by a separate job.
      if (++calls % 500 === 0) void pruneBefore(sql, new Date(nowMs - 2 * 3600_000)).catch(() => {});
      const reset = Math.ceil((start + windowMs) / 1000);
      if (count > limit) refusals.inc({ scope: bucket });
      return {
        allowed: count <= limit,
        limit,
        remaining: Math.max(0, limit - count),
        reset,
        retryAfter: Math.max(1, reset - Math.floor(nowMs / 1000)),
      };
    },
  };
}

export function rateLimitHeaders(r: LimitResult): Record<string, string> {
  return {
    "X-RateLimit-Limit": String(r.limit),
    "X-RateLimit-Remaining": String(r.remaining),
    "X-RateLimit-Reset": String(r.reset),
  };
}

export function rateLimitedError(r: LimitResult, message = "too many requests; retry later"): AppError {
  return new AppError("rate_limited", message, {
    headers: { ...rateLimitHeaders(r), "Retry-After": String(r.retryAfter) },
    details: { retry_after_seconds: r.retryAfter, limit: r.limit },
  });
}

/**
 * The caller's IP: the socket's address; X-Forwarded-For only behind a trusted proxy, and then
 * its last entry (the one our proxy appended; earlier entries are whatever the client sent). A
 * last entry that is not an IP address was not written by our proxy: the socket's address counts,
 * and the text (10k characters, say) never becomes a rate-limit key.
 */
export function clientIp(c: Context<HonoEnv>, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header("x-forwarded-for");
    const last = forwarded?.split(",").map((s) => s.trim()).filter(Boolean).pop();
    if (last && isIP(last)) return last;
  }
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    // app.request() in tests has no socket.
    return "unknown";
  }
}

/** Per-IP limit on a group of routes, with the X-RateLimit-* headers on every answer. */
export function rateLimitByIp(
  limiter: RateLimiter,
  options: { bucket: string; limit: number; windowSeconds: number; trustProxy: boolean },
): MiddlewareHandler<HonoEnv> {
  return async (c, next) => {
    const r = await limiter.check(options.bucket, clientIp(c, options.trustProxy), options.limit, options.windowSeconds);
    if (!r.allowed) throw rateLimitedError(r);
    await next();
    // An inner, tighter limit (e.g. challenges per address) already set its own headers: keep them.
    if (!c.res.headers.has("X-RateLimit-Limit")) for (const [k, v] of Object.entries(rateLimitHeaders(r))) c.res.headers.set(k, v);
  };
}
