import type { Context } from "hono";
import type { Clock } from "@/core/clock";
import type { Ctx } from "@/db/context";
import type { Sql } from "@/db/client";
import type { HonoEnv } from "./env";

/** The verb context of a request: the pool, the caller, the clock and the request's logger. */
export function ctxOf(deps: { sql: Sql; clock: Clock }, c: Context<HonoEnv>): Ctx {
  return { sql: deps.sql, actor: c.get("actor"), clock: deps.clock, log: c.get("log") };
}

/**
 * The verb context of a request whose reads may lag (public read models, search): the replica's
 * pool while it is within its bound, else the primary's (src/db/replica.ts). Never for money.
 */
export function mayLagCtxOf(deps: { reads: { sql(): Sql }; clock: Clock }, c: Context<HonoEnv>): Ctx {
  return ctxOf({ sql: deps.reads.sql(), clock: deps.clock }, c);
}
