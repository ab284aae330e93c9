import { createSql, type Sql } from "./client";
import { within } from "@/core/within";
import { appliedMigrations } from "./migrate";

// GET /ready's view of the database, on a connection of its own: in the shared pool its query
// would wait behind every request queued there during an outage, and a load balancer would hear
// nothing for seconds instead of a 503 at once.

export interface ReadinessProbe {
  /** The applied migrations (null: no migrations table); rejects when the database is unreachable or slow. */
  appliedMigrations(timeoutMs: number): Promise<string[] | null>;
  close(): Promise<void>;
}

export function createReadinessProbe(url: string, applicationName: string): ReadinessProbe {
  let sql: Sql | undefined;
  return {
    async appliedMigrations(timeoutMs) {
      // Created on first use: an app that is never probed (scripts, tests) opens nothing.
      sql ??= createSql(url, { max: 1, applicationName: `${applicationName}:ready`, connectTimeoutSeconds: Math.max(1, Math.ceil(timeoutMs / 1000)) });
      return within(appliedMigrations(sql), timeoutMs, "the database did not answer");
    },
    async close() {
      await sql?.end({ timeout: 1 });
    },
  };
}
