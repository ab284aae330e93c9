import type { Tx } from "@/db/client";
import { sumHistograms } from "../rollups/histogram";
import { routeOf, summaryOf, uptimeOf, windowStart } from "./figures";
import { lastRollupAt, networkHours, networkRoutes, networkUptime } from "./queries";
import type { NetworkTelemetry } from "./schemas";

const ROUTES_SHOWN = 10;

/**
 * What all gateways reported over the last 24 hours, or undefined when none did (the public
 * stats then read exactly as before telemetry existed). Reads the network rollups: 24 rows and
 * the top routes' rows, whatever the number of gateways, plus one scalar pass for uptime.
 */
export async function getNetworkTelemetry(sql: Tx, now: Date): Promise<NetworkTelemetry | undefined> {
  const from = windowStart(now);
  const [asOf, hours, routes] = await Promise.all([lastRollupAt(sql), networkHours(sql, from), networkRoutes(sql, from, ROUTES_SHOWN)]);
  if (!asOf || hours.length === 0) return undefined;
  const uptime = await networkUptime(sql, from, asOf);
  return {
    ...summaryOf(hours, { from, asOf, latency: sumHistograms(hours.map((h) => h.latency_buckets)) }),
    uptime_ratio: uptimeOf(Number(uptime.heartbeat), Number(uptime.expected)),
    gateways: Number(uptime.gateways),
    routes: routes.map(routeOf),
  };
}
