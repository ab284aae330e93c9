import type { Ctx } from "@/db/context";
import { withTransaction } from "@/db/transaction";
import { fireAlerts, type AlertRules, type FiredAlerts } from "./alerts";
import { rollupAgents } from "./queries/agents";
import type { HourRange } from "./queries/common";
import { rollupGateways } from "./queries/gateways";
import { rollupNetwork } from "./queries/network";
import { rollupRoutes } from "./queries/routes";
import { deleteRollupsBefore, readRollupState, tryRollupLock, writeRollupState } from "./queries/state";

// One rollup run: recompute the recent hours (the current partial one and lookbackHours - 1
// closed ones, for events that arrive late) from the raw tables, then the alerts over them, then
// retention. After downtime, a run first catches up from where the last one stopped (at most the
// raw tables' 14 days), a few hours per transaction.

export interface RollupOptions {
  /** Hours recomputed on every run, the current one included (>= 1). */
  lookbackHours: number;
  rules: AlertRules;
}

export interface RollupResult {
  /** False when another run (another replica) held the lock: it does the same work. */
  ran: boolean;
  /** Hours recomputed, catch-up included. */
  hours: number;
  alerts: FiredAlerts;
  /** Rollup and alert rows past retention removed. */
  deleted: number;
}

const HOUR = 3600_000;
/** The raw tables keep 14 days (sql/0016): older hours have nothing left to recompute. */
const RAW_RETENTION_HOURS = 14 * 24;
/** Hourly aggregates and alerts are kept a year. */
const ROLLUP_RETENTION_MS = 365 * 24 * HOUR;
/** Catch-up hours per transaction: bounds a transaction's length after a long outage. */
const CATCH_UP_CHUNK_HOURS = 6;

const floorHour = (t: number) => Math.floor(t / HOUR) * HOUR;

export async function runRollup(ctx: Pick<Ctx, "sql" | "clock">, options: RollupOptions): Promise<RollupResult> {
  const now = ctx.clock.now();
  const current = floorHour(now.getTime());
  const recentFrom = current - (Math.max(1, options.lookbackHours) - 1) * HOUR;
  const end = current + HOUR;
  const oldest = current - RAW_RETENTION_HOURS * HOUR;
  let hours = 0;
  for (;;) {
    const step = await withTransaction(ctx.sql, async (tx) => {
      if (!(await tryRollupLock(tx))) return null;
      const state = await readRollupState(tx);
      // A first run starts at the raw tables' horizon too: data that came before the job did is rolled.
      const resumeAt = state ? Math.min(state.rolled_through.getTime(), recentFrom) : oldest;
      const from = Math.max(resumeAt, oldest);
      const final = from + CATCH_UP_CHUNK_HOURS * HOUR >= recentFrom;
      const to = final ? end : from + CATCH_UP_CHUNK_HOURS * HOUR;
      const range: HourRange = { from: new Date(from), to: new Date(to), now };
      // Routes before gateways (a gateway's requests are its routes' sum), both before the network.
      await rollupRoutes(tx, range);
      await rollupGateways(tx, range);
      await rollupAgents(tx, range);
      await rollupNetwork(tx, range);
      await writeRollupState(tx, new Date(Math.min(to, current)), now);
      if (!final) return { hours: (to - from) / HOUR, done: null };
      const alerts = await fireAlerts(tx, { from: new Date(recentFrom), to: new Date(end), now }, options.rules);
      const deleted = await deleteRollupsBefore(tx, new Date(now.getTime() - ROLLUP_RETENTION_MS));
      return { hours: (to - from) / HOUR, done: { alerts, deleted } };
    });
    if (!step) return { ran: hours > 0, hours, alerts: { errorRate: 0, insolvency: 0 }, deleted: 0 };
    hours += step.hours;
    if (step.done) return { ran: true, hours, ...step.done };
  }
}
