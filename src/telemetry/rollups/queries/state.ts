import type { Tx } from "@/db/client";

// The rollup's own bookkeeping: who runs (an advisory lock), how far it got, what it keeps.

// Any constant works; the migration runner's is 7_337_001.
const ROLLUP_LOCK_KEY = 7_337_014;

/**
 * One run at a time across replicas, for the transaction's length. A replica that finds it taken
 * skips its turn: the holder is recomputing the same hours from the same rows (every statement is
 * a recomputation, so two runs at once would be correct too, only wasted work).
 */
export async function tryRollupLock(sql: Tx): Promise<boolean> {
  const [row] = await sql<{ locked: boolean }[]>`SELECT pg_try_advisory_xact_lock(${ROLLUP_LOCK_KEY}) AS locked`;
  return row!.locked;
}

export interface RollupState {
  rolled_through: Date;
  last_run_at: Date;
}

export async function readRollupState(sql: Tx): Promise<RollupState | undefined> {
  const [row] = await sql<RollupState[]>`SELECT rolled_through, last_run_at FROM telemetry_rollup_state WHERE id = 1`;
  return row;
}

/** rolled_through never moves back (a run with an earlier clock leaves it). */
export async function writeRollupState(sql: Tx, rolledThrough: Date, now: Date): Promise<void> {
  await sql`
    INSERT INTO telemetry_rollup_state AS s (id, rolled_through, last_run_at)
    VALUES (1, ${rolledThrough}, ${now})
    ON CONFLICT (id) DO UPDATE SET
      rolled_through = GREATEST(s.rolled_through, EXCLUDED.rolled_through),
      last_run_at = GREATEST(s.last_run_at, EXCLUDED.last_run_at)`;
}

/** Drops the rollups' hours and the alerts older than `before`; the count of rows removed. */
export async function deleteRollupsBefore(sql: Tx, before: Date): Promise<number> {
  const [row] = await sql<{ n: bigint }[]>`
    WITH g AS (DELETE FROM telemetry_gateway_hourly WHERE hour < ${before} RETURNING 1),
         r AS (DELETE FROM telemetry_route_hourly WHERE hour < ${before} RETURNING 1),
         n AS (DELETE FROM telemetry_network_hourly WHERE hour < ${before} RETURNING 1),
         nr AS (DELETE FROM telemetry_network_route_hourly WHERE hour < ${before} RETURNING 1),
         a AS (DELETE FROM telemetry_agent_hourly WHERE hour < ${before} RETURNING 1),
         al AS (DELETE FROM telemetry_alerts WHERE window_start < ${before} RETURNING 1)
    SELECT (SELECT count(*) FROM g) + (SELECT count(*) FROM r) + (SELECT count(*) FROM n) + (SELECT count(*) FROM nr)
         + (SELECT count(*) FROM a) + (SELECT count(*) FROM al) AS n`;
  return Number(row!.n);
}
