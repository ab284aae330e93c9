import type { Clock } from "@/core/clock";
import type { Logger } from "@/core/logger";
import type { Sql } from "@/db/client";
import type { Stop } from "@/http/module";
import { maintainPartitions, type PartitionChange } from "./queries/maintenance";

// The partition worker (sql/0016's telemetry_maintain): at start, then hourly. Every receiver
// replica runs it; the function serializes them on an advisory lock and is idempotent, so the
// second finds nothing to do. A failed run (database away) is tried again a minute later.

export const MAINTENANCE_INTERVAL_MS = 3600_000;
const RETRY_MS = 60_000;

export async function runMaintenance(deps: { sql: Sql; clock: Clock; logger: Logger }): Promise<PartitionChange[]> {
  const changes = await maintainPartitions(deps.sql, deps.clock.now());
  if (changes.length > 0) deps.logger.info("telemetry partitions maintained", { changes: changes.map((c) => `${c.action} ${c.partition_name}`) });
  return changes;
}

export function startPartitionMaintenance(deps: { sql: Sql; clock: Clock; logger: Logger }, intervalMs = MAINTENANCE_INTERVAL_MS): Stop {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const pass = async () => {
    let next = intervalMs;
    try {
      await runMaintenance(deps);
    } catch (err) {
      deps.logger.warn("telemetry partition maintenance failed; retrying in a minute", { err });
      next = Math.min(RETRY_MS, intervalMs);
    }
    if (!stopped) timer = setTimeout(() => (running = pass()), next);
  };
  running = pass();
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    await running;
  };
}
