import type { Context } from "hono";
import type { Ctx } from "@/core/context";
import type { AppDeps } from "./deps";
import type { HonoEnv } from "./env";

/** The verb context of a request: the pool, the caller, the clock and the request's logger. */
export function ctxOf(deps: AppDeps, c: Context<HonoEnv>): Ctx {
  return { sql: deps.sql, actor: c.get("actor"), clock: deps.clock, log: c.get("log") };
}
