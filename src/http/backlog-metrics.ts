import { Counter, Gauge, type Registry } from "prom-client";
import type { Sql, Tx } from "@/db/client";
import { metricOf } from "./metrics";

// Each background worker's backlog and lag, read from the database when Prometheus scrapes, not
// counted on the paths that fill the queues (the payment path among them). Every module names its
// own probe (its SQL stays in its queries); the root hands them all here. One scrape runs them in
// one read-only transaction on one connection, pipelined (one round trip), under a statement
// timeout; a scrape waits for them at most SCRAPE_WAIT_MS and otherwise answers the last values,
// so a slow or absent database never hangs /metrics (worker_backlog_reading_age_seconds then grows).

/** Counts stop here: past it the number is "very many" and counting further would cost the database. */
export const BACKLOG_COUNT_CAP = 100_000;
const SCRAPE_WAIT_MS = 250;
const STATEMENT_TIMEOUT_MS = 2000;
/** Scrapes closer together than this (two Prometheus servers) share one reading. */
const REUSE_MS = 1000;

export interface BacklogReading {
  /** Items waiting (capped at BACKLOG_COUNT_CAP); null when the worker has no queue to count. */
  items: number | null;
  /** Seconds since the oldest waiting item was made (or the checkpoint last moved); null when none waits. */
  oldestSeconds: number | null;
}

export interface BacklogProbe {
  /** The `worker` label: a fixed name, one per probe. */
  worker: string;
  read(sql: Tx): Promise<BacklogReading>;
}

export function registerBacklogGauges(registry: Registry, sql: Sql, probes: readonly BacklogProbe[]): void {
  const registers = [registry];
  let last: { at: number; readings: Map<string, BacklogReading> } | undefined;
  let reading: Promise<void> | undefined;
  const failures = metricOf(registry, "worker_backlog_read_failures_total", () =>
    new Counter({ name: "worker_backlog_read_failures_total", help: "Backlog readings that failed or timed out (the last values were served)", registers }),
  );

  const read = async () => {
    const results = await sql.begin("read only", async (tx) => {
      await tx`SELECT set_config('statement_timeout', ${String(STATEMENT_TIMEOUT_MS)}, true)`;
      return Promise.all(probes.map((p) => p.read(tx)));
    });
    last = { at: Date.now(), readings: new Map(probes.map((p, i) => [p.worker, results[i]!])) };
  };
  const current = async () => {
    if (last && Date.now() - last.at < REUSE_MS) return last;
    reading ??= read()
      .catch(() => failures.inc())
      .finally(() => (reading = undefined));
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([reading, new Promise<void>((resolve) => (timer = setTimeout(resolve, SCRAPE_WAIT_MS)))]);
    clearTimeout(timer);
    return last;
  };

  const gauge = (name: string, help: string, value: (r: BacklogReading) => number | null) =>
    metricOf(registry, name, () =>
      new Gauge({
        name,
        help,
        labelNames: ["worker"] as const,
        registers,
        async collect() {
          const now = await current();
          this.reset();
          for (const [worker, r] of now?.readings ?? []) {
            const v = value(r);
            if (v !== null) this.set({ worker }, v);
          }
        },
      }),
    );
  gauge("worker_backlog_items", `Items waiting for a background worker, by worker (counted up to ${BACKLOG_COUNT_CAP})`, (r) => r.items);
  gauge("worker_backlog_oldest_seconds", "Age of the oldest item waiting (vault_indexer: time since its checkpoint moved), by worker; 0 when none waits", (r) =>
    r.oldestSeconds ?? (r.items === null ? null : 0),
  );
  metricOf(registry, "worker_backlog_reading_age_seconds", () =>
    new Gauge({
      name: "worker_backlog_reading_age_seconds",
      help: "Seconds since the backlog gauges were last read from the database, or since the process started (grows while it does not answer)",
      registers,
      async collect() {
        const now = await current();
        this.set(now ? (Date.now() - now.at) / 1000 : process.uptime());
      },
    }),
  );
}

/** A probe's row (`n`: count(*), `age`: seconds as float8) as a reading. */
export const readingOf = (row: { n: bigint | null; age: number | null } | undefined): BacklogReading => ({
  items: row?.n === null || row?.n === undefined ? null : Number(row.n),
  oldestSeconds: row?.age ?? null,
});
