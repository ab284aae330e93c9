import type { Config } from "@/config";
import { createWaker } from "@/core/waker";
import type { BaseDeps, Runs, Stop } from "@/http/module";
import { runRollup, type RollupOptions } from "./rollup";

/** The rollup's options as the configuration sets them. */
export function rollupOptionsOf(config: Config): RollupOptions {
  return {
    lookbackHours: config.TELEMETRY_ROLLUP_LOOKBACK_HOURS,
    rules: {
      errorRateThreshold: config.TELEMETRY_ERROR_RATE_ALERT_PERCENT / 100,
      errorRateMinRequests: config.TELEMETRY_ERROR_RATE_MIN_REQUESTS,
    },
  };
}

/**
 * The rollup every TELEMETRY_ROLLUP_INTERVAL_MS (the dashboards' current hour is that fresh).
 * Every replica may run it: the advisory lock lets one through and the others skip their turn.
 * Its stop lets a run in progress finish (its transaction would roll back anyway if cut).
 */
export function startTelemetryRollups(deps: BaseDeps): Stop {
  const log = deps.logger.child({ job: "telemetry-rollups" });
  const options = rollupOptionsOf(deps.config);
  const waker = createWaker(deps.config.TELEMETRY_ROLLUP_INTERVAL_MS);
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const result = await runRollup({ sql: deps.sql, clock: deps.clock }, options);
        if (result.alerts.errorRate + result.alerts.insolvency > 0 || result.hours > options.lookbackHours) {
          log.info("telemetry rolled up", { hours: result.hours, alerts: result.alerts, deleted: result.deleted });
        }
      } catch (err) {
        log.error("telemetry rollup failed; retrying on the next interval", { err });
      }
      if (!stopped) await waker.sleep();
    }
  })();
  return async () => {
    stopped = true;
    waker.nudge();
    await loop;
  };
}

/** The rollup job as a process's lifecycle starts it (the receiver's, and the API's with ENABLE_WORKERS). */
export const rollupJob = (deps: BaseDeps): Runs => ({ start: () => startTelemetryRollups(deps) });
