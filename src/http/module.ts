import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Config } from "@/config";
import type { Clock } from "@/core/clock";
import type { Logger } from "@/core/logger";
import type { Sql } from "@/db/client";
import type { HonoEnv } from "./env";

// What a module hands the composition root (src/app/): its own router, mounted with app.route,
// and what it runs in the background. Each module's assembly function takes only what it uses
// (`ledgerModule(deps: LedgerDeps)`), so the root's dependency bag reaches no module whole.

/** Stops a background job; resolves when it has stopped. */
export type Stop = () => Promise<void>;

export interface Module {
  /** Its routes (absent for a module that serves none). */
  router?: OpenAPIHono<HonoEnv>;
  /** Its background jobs, started by the root when ENABLE_WORKERS (and the like) say so. */
  start?: () => Stop;
}

/** What nearly every module reads: the configuration, the pool, the clock and the process logger. */
export interface BaseDeps {
  config: Config;
  sql: Sql;
  clock: Clock;
  logger: Logger;
}

/**
 * Reads that may lag behind the primary by up to DATABASE_READ_MAX_LAG_MS (a replica's pool, or
 * the primary's): public read models and search only. Money, and anything read back right after
 * the caller's own write, use `sql`.
 */
export interface MayLagDeps {
  reads: { sql(): Sql };
}

/** A module whose background jobs the root starts. */
export interface Runs {
  start: () => Stop;
}
