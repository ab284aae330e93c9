import { Gauge, type Registry } from "prom-client";
import type { Logger } from "@/core/logger";
import { within } from "@/core/within";
import { createSql, type Sql } from "./client";

// Reads that may lag (public dashboards, ticker, leaderboard, search) on a replica
// (DATABASE_READ_URL), while its lag stays under a bound; money never reads here.
//
// How the lag is measured, every second: the primary's WAL position (pg_current_wal_lsn) is
// sampled with our own clock, and the replica's replayed position (pg_last_wal_replay_lsn) is
// compared with those samples. The lag is the age of the newest sample the replica has replayed
// past: everything committed on the primary before that instant is visible on the replica, so it
// is an upper bound (coarser by up to one interval under constant writes), zero when the replica
// has replayed all the primary had. Not now() - pg_last_xact_replay_timestamp(): that grows
// while the primary is idle (no transaction to replay) and compares two machines' clocks; and no
// heartbeat table: it would write WAL every second for nothing else.
//
// Reads go to the replica only while it answered the last measurement and the lag is within
// DATABASE_READ_MAX_LAG_MS; otherwise (replica unreachable or behind) to the primary. While the
// primary is away the last lag ages with the clock, so reads leave a replica frozen by a lost
// primary once the bound has passed.

export interface ReadPool {
  /** The pool for reads that may lag: the replica's while it is within the bound, else the primary's. */
  sql(): Sql;
  /** The last measurement (lag in seconds, undefined when unknown). */
  state(): { lagSeconds: number | undefined; replicaUp: boolean; onReplica: boolean };
  close(): Promise<void>;
}

const INTERVAL_MS = 1000;
const QUERY_TIMEOUT_MS = 1000;

/** Reads on the primary only (no DATABASE_READ_URL). */
export function primaryReads(primary: Sql): ReadPool {
  return { sql: () => primary, state: () => ({ lagSeconds: undefined, replicaUp: false, onReplica: false }), close: async () => {} };
}

interface Sample {
  at: number;
  lsn: bigint;
}

/** The lag bound, in ms, of a replica at `replayed` given the primary's samples (oldest first) and its position now. */
export function lagMs(samples: Sample[], now: Sample, replayed: bigint): number {
  if (replayed >= now.lsn) return 0;
  for (let i = samples.length - 1; i >= 0; i--) if (samples[i]!.lsn <= replayed) return now.at - samples[i]!.at;
  // Behind every sample kept: at least as old as the oldest.
  return now.at - (samples[0]?.at ?? now.at) + INTERVAL_MS;
}

export function createReadPool(
  primary: Sql,
  options: { url: string; maxLagMs: number; poolMax: number; applicationName: string; logger: Logger; metrics: Registry },
): ReadPool {
  const log = options.logger.child({ component: "read-replica" });
  const replica = createSql(options.url, { max: options.poolMax, applicationName: `${options.applicationName}:read`, connectTimeoutSeconds: 2, logger: options.logger });
  // The primary's positions over the last max lag (and a margin): enough to date any replica position within the bound.
  const keepMs = options.maxLagMs + 5 * INTERVAL_MS;
  const samples: Sample[] = [];
  let lag: { ms: number; at: number } | undefined;
  let replicaUp = false;
  let onReplica = false;
  let closed = false;

  const registers = [options.metrics];
  new Gauge({
    name: "db_replica_lag_seconds",
    help: "Upper bound of the read replica's lag behind the primary (DATABASE_READ_URL), measured every second; NaN when unknown",
    registers,
    collect() {
      this.set(lag === undefined ? Number.NaN : current()! / 1000);
    },
  });
  new Gauge({ name: "db_replica_up", help: "1 when the read replica answered its last lag measurement", registers, collect() { this.set(replicaUp ? 1 : 0); } });
  new Gauge({
    name: "db_reads_on_replica",
    help: "1 while reads that may lag go to the replica (lag within DATABASE_READ_MAX_LAG_MS), 0 while they go to the primary",
    registers,
    collect() {
      this.set(onReplica ? 1 : 0);
    },
  });

  /** The last lag, aged by the time since it was measured when the primary could not be asked since. */
  const current = () => (lag === undefined ? undefined : lag.ms + (performance.now() - lag.at));

  async function measure() {
    let replayed: bigint | null;
    try {
      // The replica first: the primary's position read after it can only be further on.
      const [row] = await within(
        replica<{ lsn: bigint | null }[]>`
          SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END) - '0/0'::pg_lsn AS lsn`,
        QUERY_TIMEOUT_MS,
      );
      replayed = row?.lsn ?? null;
      replicaUp = replayed !== null;
    } catch (err) {
      if (replicaUp) log.warn("read replica unreachable; reads go to the primary", { err });
      replicaUp = false;
      replayed = null;
      lag = undefined;
    }
    try {
      const [row] = await within(primary<{ lsn: bigint }[]>`SELECT pg_current_wal_lsn() - '0/0'::pg_lsn AS lsn`, QUERY_TIMEOUT_MS);
      const now = { at: performance.now(), lsn: row!.lsn };
      if (replayed !== null) lag = { ms: lagMs(samples, now, replayed), at: now.at };
      samples.push(now);
      while (samples.length > 1 && samples[0]!.at < now.at - keepMs) samples.shift();
    } catch {
      // The primary away (a failover): the last lag ages with the clock (current()).
    }
    const was = onReplica;
    const l = current();
    onReplica = replicaUp && l !== undefined && l <= options.maxLagMs;
    if (was !== onReplica) log.info(onReplica ? "reads that may lag go to the replica" : "reads that may lag go to the primary", { lag_ms: l === undefined ? null : Math.round(l), replica_up: replicaUp });
  }

  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = running.then(() => (closed ? undefined : measure())).catch((err) => log.error("replica lag measurement failed", { err }));
  };
  tick();
  const timer = setInterval(tick, INTERVAL_MS);
  timer.unref?.();

  return {
    sql: () => (onReplica ? replica : primary),
    state: () => {
      const l = current();
      return { lagSeconds: l === undefined ? undefined : l / 1000, replicaUp, onReplica };
    },
    async close() {
      closed = true;
      clearInterval(timer);
      await running;
      await replica.end({ timeout: 5 });
    },
  };
}
