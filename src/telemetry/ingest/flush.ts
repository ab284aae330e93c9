import type postgres from "postgres";
import type { Logger } from "@/core/logger";
import { isDatabaseUnavailable, type Sql } from "@/db/client";
import { copyInto, insertNewRawEvents, type RawKey } from "../queries/copy";
import { maintainPartitions } from "../queries/maintenance";
import { TELEMETRY_TABLES, type RoutedTable } from "../tables";
import { applyConfigReports } from "./config-report";
import { dedupeKey, type ConfigReport, type Entry } from "./entry";
import type { IngestMetrics } from "./metrics";
import type { BatchWriter } from "./queue";

// One flush: one transaction that COPYs the raw copy, then each routed table, `metrics` and `logs`,
// and applies the configs of the packets that were new. The raw copy's unique index deduplicates:
// a COPY that meets a stored event fails as a whole, and the flush is redone through a staging
// table with ON CONFLICT DO NOTHING, keeping only the new events' rows (replays are rare, so the
// common flush stays a plain COPY).

type TxSql = postgres.TransactionSql<{ bigint: bigint; numeric: bigint }>;

export interface FlushDeps {
  sql: Sql;
  logger: Logger;
  usdcMint: string;
  metrics: IngestMetrics;
}

const ROUTED = TELEMETRY_TABLES.filter((t): t is RoutedTable => t !== "telemetry_events");

const UNIQUE_VIOLATION = "23505";
const CHECK_VIOLATION = "23514";
/** Deadlock or serialization failure: the transaction is simply run again. */
const RETRYABLE = new Set(["40P01", "40001"]);
const MAX_RETRIES = 3;

/** A table's rows of a batch: each entry's piece, in order. */
function piecesOf(entries: Entry[], table: keyof Entry["lines"]): string[] {
  const parts: string[] = [];
  for (const e of entries) {
    const lines = e.lines[table];
    if (lines !== undefined) parts.push(lines);
  }
  return parts;
}

const byVendor = (a: ConfigReport, b: ConfigReport) => (a.vendorId < b.vendorId ? -1 : a.vendorId > b.vendorId ? 1 : 0);

/** The entries whose raw copy was new, each key once (the first of a request sent twice in one flush). */
function newEntries(entries: Entry[], keys: RawKey[]): Entry[] {
  const fresh = new Set(keys.map((k) => dedupeKey(k.vendor_id, k.agent_id, k.source, k.event_id, k.time.toISOString())));
  return entries.filter((e) => fresh.delete(e.key));
}

async function writeBatch(deps: FlushDeps, batch: Entry[], dedupe: boolean): Promise<{ kept: Entry[]; rows: Map<string, number> }> {
  return deps.sql.begin(async (tx: TxSql) => {
    // Not waiting for the WAL flush: the events were answered 202 before this transaction began,
    // so a durable commit would protect no promise (telemetry is lossy by design), and a crash
    // loses at most the last few hundred milliseconds of it. Payments keep their synchronous commits.
    // Sent with the COPY behind it (postgres.js pipelines a transaction's queries): no round trip of its own.
    const setting = tx`SET LOCAL synchronous_commit = off`;
    setting.catch(() => {});
    const rows = new Map<string, number>();
    const raw = piecesOf(batch, "telemetry_events");
    let kept = batch;
    if (dedupe) kept = newEntries(batch, await insertNewRawEvents(tx, raw));
    else await copyInto(tx, "telemetry_events", raw);
    rows.set("telemetry_events", kept.length);

    for (const table of ROUTED) {
      // Configs last but for the logs they add: the profiles they lock stay locked only to COMMIT.
      // In vendor order (stable: a vendor's later packet still wins), so that two flushes locking
      // the same profiles lock them in the same order and cannot deadlock.
      const reports = table === "logs" ? kept.flatMap((e) => (e.config ? [e.config] : [])).sort(byVendor) : [];
      const configLogs = reports.length > 0 ? await applyConfigReports(tx, reports, { usdcMint: deps.usdcMint, logger: deps.logger }) : "";
      const parts = piecesOf(kept, table);
      if (configLogs !== "") parts.push(configLogs);
      if (parts.length === 0) continue;
      rows.set(table, await copyInto(tx, table, parts));
    }
    await setting;
    return { kept, rows };
  }) as Promise<{ kept: Entry[]; rows: Map<string, number> }>;
}

const codeOf = (err: unknown) => (err as { code?: unknown } | null)?.code;
const isMissingPartition = (err: unknown) => codeOf(err) === CHECK_VIOLATION && /no partition/i.test(String((err as Error).message));

/**
 * The queue's writer. Throws (the queue retries later) only when the database is unavailable; a
 * batch it cannot write for another reason is dropped, counted and logged: telemetry is lossy by
 * design, and one bad batch must not stall the queue behind it.
 */
export function createBatchWriter(deps: FlushDeps): BatchWriter {
  return async (batch) => {
    const started = performance.now();
    deps.metrics.flushEvents.observe(batch.length);
    let dedupe = false;
    let partitionsMade = false;
    let retries = 0;
    for (;;) {
      try {
        const { kept, rows } = await writeBatch(deps, batch, dedupe);
        deps.metrics.flushSeconds.observe({ outcome: "written" }, (performance.now() - started) / 1000);
        for (const [table, n] of rows) deps.metrics.written.inc({ table }, n);
        if (kept.length < batch.length) deps.metrics.duplicates.inc(batch.length - kept.length);
        return;
      } catch (err) {
        if (isDatabaseUnavailable(err)) {
          deps.metrics.flushFailures.inc({ reason: "database_unavailable" });
          deps.metrics.flushSeconds.observe({ outcome: "retried" }, (performance.now() - started) / 1000);
          throw err;
        }
        if (codeOf(err) === UNIQUE_VIOLATION && !dedupe) {
          dedupe = true;
          continue;
        }
        if (RETRYABLE.has(String(codeOf(err))) && retries++ < MAX_RETRIES) continue;
        // A day whose partition no maintenance run made yet (none ran for a week): made now, once.
        if (isMissingPartition(err) && !partitionsMade) {
          partitionsMade = true;
          await maintainPartitions(deps.sql, new Date()).catch(() => []);
          continue;
        }
        deps.metrics.flushFailures.inc({ reason: "write_error" });
        deps.metrics.dropped.inc({ reason: "write_failed" }, batch.length);
        deps.metrics.flushSeconds.observe({ outcome: "dropped" }, (performance.now() - started) / 1000);
        deps.logger.error("telemetry flush failed; its events are dropped", { err, events: batch.length });
        return;
      }
    }
  };
}
