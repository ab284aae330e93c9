import type { Tx } from "@/db/client";
import { HOUR, routeOf, summaryOf, uptimeOf, windowStart } from "./figures";
import { lastRollupAt, vendorBlockedByReason, vendorGateways, vendorLatency, vendorRoutes } from "./queries";
import type { GatewayHealth, VendorTelemetry } from "./schemas";

/** A gateway silent this long is no longer listed (nor counted as down). */
const GATEWAY_MEMORY_MS = 7 * 24 * HOUR;
const ROUTES_SHOWN = 50;

/**
 * What the vendor's gateways reported over the last 24 hours, or undefined when none of them
 * reported in the last 7 days (or the rollup never ran): the vendor's dashboard then shows the
 * ledger's figures alone, exactly as before telemetry existed.
 */
export async function getVendorTelemetry(sql: Tx, vendorId: bigint, now: Date): Promise<VendorTelemetry | undefined> {
  const from = windowStart(now);
  // One round trip: five small reads side by side (a vendor without telemetry costs the same five index probes).
  const [asOf, gateways, reasons, latency, routes] = await Promise.all([
    lastRollupAt(sql),
    vendorGateways(sql, vendorId, new Date(now.getTime() - GATEWAY_MEMORY_MS), from),
    vendorBlockedByReason(sql, vendorId, from),
    vendorLatency(sql, vendorId, from),
    vendorRoutes(sql, vendorId, from, ROUTES_SHOWN),
  ]);
  if (!asOf || gateways.length === 0) return undefined;

  let heartbeat = 0;
  let expected = 0;
  const health: GatewayHealth[] = gateways.map((g) => {
    // Expected from its first packet (or the window's start) to the rollup's run.
    const start = g.first_packet_at ? Math.max(from.getTime(), g.first_packet_at.getTime()) : null;
    const due = start === null ? 0 : Math.max(0, (asOf.getTime() - start) / 1000);
    heartbeat += Number(g.heartbeat_seconds);
    expected += due;
    return {
      gateway_id: g.gateway_id,
      last_packet_at: g.last_packet_at?.toISOString() ?? null,
      process_uptime_seconds: g.process_uptime_seconds === null ? null : Number(g.process_uptime_seconds),
      uptime_ratio: uptimeOf(Number(g.heartbeat_seconds), due),
    };
  });
  return {
    ...summaryOf(gateways, { from, asOf, latency }),
    uptime_ratio: uptimeOf(heartbeat, expected),
    authorized_atomic: gateways.reduce((a, g) => a + g.authorized_atomic, 0n).toString(),
    blocked_by_reason: Object.fromEntries(reasons.map((r) => [r.reason, Number(r.n)])),
    gateways: health,
    routes: routes.map(routeOf),
  };
}
