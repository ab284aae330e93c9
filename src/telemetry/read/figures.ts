import { quantile } from "../rollups/histogram";
import type { RouteRow } from "./queries";
import { TELEMETRY_SOURCE, type RouteTelemetry, type TelemetryLatency } from "./schemas";

// From summed rollup rows to the figures a dashboard shows.

export const HOUR = 3600_000;
/** Hours a dashboard's window spans: the current one and the 23 before it. */
export const WINDOW_HOURS = 24;

/** The window's first hour (UTC) for a read at `now`. */
export const windowStart = (now: Date) => new Date(Math.floor(now.getTime() / HOUR) * HOUR - (WINDOW_HOURS - 1) * HOUR);

export const rate = (part: bigint, whole: bigint): number | null => (whole > 0n ? Math.round((Number(part) / Number(whole)) * 10_000) / 10_000 : null);

const ms = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);

export const latencyOf = (buckets: readonly bigint[]): TelemetryLatency => ({ p50: ms(quantile(buckets, 0.5)), p99: ms(quantile(buckets, 0.99)) });

/** A route's figures; its p50 only when some gateway sent latency_p50. */
export function routeOf(r: RouteRow): RouteTelemetry {
  return {
    route: r.route,
    requests: Number(r.requests),
    errors_5xx: Number(r.status_5xx),
    payment_required_402: Number(r.status_402),
    error_rate: rate(r.status_5xx, r.requests),
    latency_ms: { p50: latencyOf(r.latency_p50_buckets).p50, p99: latencyOf(r.latency_p99_buckets).p99 },
  };
}

/** heartbeat / expected, capped at 1 (two packets covering the same seconds count once per hour, not across hours). */
export const uptimeOf = (heartbeat: number, expected: number): number | null =>
  expected > 0 ? Math.min(1, Math.round((heartbeat / expected) * 10_000) / 10_000) : null;

/** The counts a window's rollup rows carry, whoever's rows they are (a vendor's gateways, the network's hours). */
export interface WindowCounts {
  authorized_count: bigint;
  blocked_count: bigint;
  requests: bigint;
  status_5xx: bigint;
}

/** The figures every telemetry summary opens with: where they come from, their window, the rates. */
export function summaryOf(rows: readonly WindowCounts[], window: { from: Date; asOf: Date; latency: readonly bigint[] }) {
  const sum = (f: (r: WindowCounts) => bigint) => rows.reduce((a, r) => a + f(r), 0n);
  const authorized = sum((r) => r.authorized_count);
  const blocked = sum((r) => r.blocked_count);
  const requests = sum((r) => r.requests);
  const errors = sum((r) => r.status_5xx);
  return {
    source: TELEMETRY_SOURCE,
    window_hours: WINDOW_HOURS,
    from: window.from.toISOString(),
    as_of: window.asOf.toISOString(),
    requests: Number(requests),
    errors_5xx: Number(errors),
    error_rate: rate(errors, requests),
    payments_authorized: Number(authorized),
    requests_blocked: Number(blocked),
    block_rate: rate(blocked, authorized + blocked),
    latency_ms: latencyOf(window.latency),
  };
}
