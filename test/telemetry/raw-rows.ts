import type { Clock } from "@/core/clock";
import { rollupOptionsOf, runRollup, type RollupResult } from "@/telemetry/rollups";
import type { TestApp } from "../support/app";

// Raw telemetry rows as the receiver writes them (sql/0016), for the rollup tests: the rollup's
// input, written directly so that each test states exactly what gateways reported. The
// end-to-end test (rollups-e2e) goes through the receiver instead.

export const HOUR = 3600_000;
export const MINUTE = 60_000;

/** A test's hours: the current hour minus `back`, inside the partitions the migration created (yesterday on). */
export function baseHour(back = 0): Date {
  return new Date(Math.floor(Date.now() / HOUR) * HOUR - back * HOUR);
}

/** Partitions for the days around `at` (the template may have been migrated days ago). */
export async function ensurePartitions(t: TestApp, at: Date): Promise<void> {
  await t.sql`SELECT count(*) FROM telemetry_maintain(${at})`;
}

let seq = 0;
const eventId = () => `evt-${++seq}-${Math.random().toString(36).slice(2, 8)}`;

export async function authorized(
  t: TestApp,
  rows: { time: Date; vendorId: bigint; gatewayId?: string; agent?: string; amount?: bigint; latencyMs?: number | null }[],
) {
  await t.sql`INSERT INTO payment_authorized ${t.sql(
    rows.map((r) => ({
      time: r.time,
      vendor_id: r.vendorId,
      gateway_id: r.gatewayId ?? "gateway-01",
      agent: r.agent ?? "unlinked-agent",
      amount_atomic: (r.amount ?? 5000n).toString(),
      token_mint: null,
      service_id: null,
      latency_ms: r.latencyMs === undefined ? 10 : r.latencyMs,
      event_id: eventId(),
    })),
  )}`;
}

export async function blocked(t: TestApp, rows: { time: Date; vendorId: bigint; gatewayId?: string; agent?: string | null; reason: string }[]) {
  await t.sql`INSERT INTO request_blocked ${t.sql(
    rows.map((r) => ({
      time: r.time,
      vendor_id: r.vendorId,
      gateway_id: r.gatewayId ?? "gateway-01",
      agent: r.agent ?? null,
      reason: r.reason,
      current_balance_atomic: "10",
      required_amount_atomic: "5000",
      event_id: eventId(),
    })),
  )}`;
}

export async function insolvencyRisk(t: TestApp, r: { time: Date; vendorId: bigint; gatewayId?: string; agent: string; remaining: bigint; burnRate: bigint }) {
  await t.sql`
    INSERT INTO solvency_alerts (time, vendor_id, gateway_id, agent, remaining_balance_atomic, burn_rate_1h_atomic, event_id)
    VALUES (${r.time}, ${r.vendorId}, ${r.gatewayId ?? "gateway-01"}, ${r.agent}, ${r.remaining.toString()}, ${r.burnRate.toString()}, ${eventId()})`;
}

/** Per route: status counts ("200": n) and latency_p99 / latency_p50 in ms. */
export type Routes = Record<string, Record<string, number>>;

/** A deep packet for the 60 s ending at `end`. */
export async function packet(t: TestApp, p: { end: Date; vendorId: bigint; gatewayId?: string; routes?: Routes; uptimeSeconds?: number; periodSeconds?: number }) {
  const start = new Date(p.end.getTime() - (p.periodSeconds ?? 60) * 1000);
  await t.sql`
    INSERT INTO gateway_telemetry (time, vendor_id, gateway_id, period_start, period_end, config, system, network, business)
    VALUES (${p.end}, ${p.vendorId}, ${p.gatewayId ?? "gateway-01"}, ${start}, ${p.end}, NULL,
            ${t.sql.json({ uptime_seconds: p.uptimeSeconds ?? 1000, cpu_usage_percent: 12.5 })}, ${t.sql.json({})},
            ${t.sql.json({ routes: p.routes ?? {} } as never)})`;
}

/** Packets every minute over [from, to), all with the same routes per packet. */
export async function packetsEveryMinute(t: TestApp, p: { from: Date; to: Date; vendorId: bigint; gatewayId?: string; routes?: Routes }) {
  for (let end = p.from.getTime() + MINUTE; end <= p.to.getTime(); end += MINUTE) {
    await packet(t, { ...p, end: new Date(end), uptimeSeconds: (end - p.from.getTime()) / 1000 });
  }
}

export async function agentPacket(
  t: TestApp,
  p: { end: Date; agentId: bigint; wallet?: Record<string, unknown>; interactions?: Record<string, Record<string, unknown>> },
) {
  await t.sql`
    INSERT INTO agent_telemetry (time, agent_id, period_start, period_end, sdk_version, wallet, interactions, reported_agent)
    VALUES (${p.end}, ${p.agentId}, ${new Date(p.end.getTime() - MINUTE)}, ${p.end}, '0.1.0',
            ${t.sql.json((p.wallet ?? {}) as never)}, ${t.sql.json((p.interactions ?? {}) as never)}, NULL)`;
}

/** One rollup run with the app's configuration, at the clock's time. */
export function rollup(t: TestApp, clock: Clock = t.deps.clock): Promise<RollupResult> {
  return runRollup({ sql: t.sql, clock }, rollupOptionsOf(t.config));
}
