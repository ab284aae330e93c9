import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { manualClock } from "@/core/clock";
import { bucketOf, LATENCY_BUCKETS, quantile } from "@/telemetry/rollups";
import { startTestApp, type TestApp } from "../support/app";
import { createUser, type TestUser } from "../support/fixtures";
import { authorized, baseHour, blocked, ensurePartitions, HOUR, MINUTE, packet, packetsEveryMinute, rollup } from "./raw-rows";

// The hourly gateway rollups (sql/0017) computed from raw rows as the receiver writes them:
// the figures of each hour, percentiles from summed buckets, and runs that recompute rather than add.

const H1 = baseHour(1);
const H0 = baseHour(0);
const clock = manualClock(new Date(H0.getTime() + 30 * MINUTE));
let t: TestApp;
let vendor: TestUser;

const at = (hour: Date, minutes: number) => new Date(hour.getTime() + minutes * MINUTE);
const zeros = () => Array.from({ length: LATENCY_BUCKETS }, () => 0n);
const histogram = (entries: [number, number][]) => {
  const h = zeros();
  for (const [ms, n] of entries) h[bucketOf(ms)]! += BigInt(n);
  return h;
};

async function gatewayRows(vendorId: bigint) {
  return t.sql`
    SELECT hour, gateway_id, authorized_count, authorized_atomic, latency_buckets, blocked_count, blocked_by_reason, packets, requests,
           status_2xx, status_402, status_4xx, status_5xx, heartbeat_seconds, process_uptime_seconds
    FROM telemetry_gateway_hourly WHERE vendor_id = ${vendorId} ORDER BY hour, gateway_id`;
}

beforeAll(async () => {
  t = await startTestApp({}, { clock });
  await ensurePartitions(t, clock.now());
  vendor = await createUser(t, { profile: "vendor" });
  await authorized(t, [
    { time: at(H1, 5), vendorId: vendor.id, amount: 1000n, latencyMs: 10 },
    { time: at(H1, 6), vendorId: vendor.id, amount: 2000n, latencyMs: 20 },
    { time: at(H1, 59.99), vendorId: vendor.id, amount: 3000n, latencyMs: 30 },
    // At 00:00 of H0 exactly: H0's.
    { time: H0, vendorId: vendor.id, amount: 4000n, latencyMs: null },
  ]);
  await blocked(t, [
    { time: at(H1, 1), vendorId: vendor.id, reason: "solvency_check_failed" },
    { time: at(H1, 2), vendorId: vendor.id, reason: "solvency_check_failed" },
    { time: at(H1, 3), vendorId: vendor.id, reason: "replay_detected" },
    { time: at(H0, 1), vendorId: vendor.id, reason: "Not A Reason!" },
  ]);
  const routes = { "/chat": { "200": 10, "402": 2, "404": 1, "500": 1, latency_p99: 80, latency_p50: 20 }, "not a route": { "200": 1 } };
  // H1 whole (60 packets, the last ending at H0's first instant), then H0's first half hour.
  await packetsEveryMinute(t, { from: H1, to: H0, vendorId: vendor.id, routes });
  await packetsEveryMinute(t, { from: H0, to: at(H0, 30), vendorId: vendor.id, routes });
  expect((await rollup(t, clock)).ran).toBe(true);
});
afterAll(() => t.close());

describe("a gateway's hours", () => {
  test("payments, blocked requests by reason, requests by status, heartbeats and uptime", async () => {
    const rows = await gatewayRows(vendor.id);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      hour: H1,
      gateway_id: "gateway-01",
      authorized_count: 3n,
      authorized_atomic: 6000n,
      latency_buckets: histogram([[10, 1], [20, 1], [30, 1]]),
      blocked_count: 3n,
      blocked_by_reason: { solvency_check_failed: 2, replay_detected: 1 },
      // A packet counts in the hour its period ends in: the one ending at H0 + 0 is H1's.
      packets: 60,
      requests: 60n * 15n,
      status_2xx: 60n * 11n,
      status_402: 120n,
      status_4xx: 60n,
      status_5xx: 60n,
      heartbeat_seconds: 3600,
      process_uptime_seconds: 3600n,
    });
    expect(rows[1]).toMatchObject({
      hour: H0,
      authorized_count: 1n,
      authorized_atomic: 4000n,
      // A payment without latency counts, in no bucket.
      latency_buckets: zeros(),
      blocked_by_reason: { other: 1 },
      packets: 30,
      requests: 30n * 15n,
      heartbeat_seconds: 1800,
      process_uptime_seconds: 1800n,
    });
  });

  test("routes: a name that is not a path is counted under (other); each packet's latency weighs its requests", async () => {
    const rows = await t.sql`
      SELECT hour, route, requests, status_5xx, latency_p99_buckets, latency_p50_buckets
      FROM telemetry_route_hourly WHERE vendor_id = ${vendor.id} AND hour = ${H1} ORDER BY route`;
    expect(rows.map((r) => [r.route, r.requests, r.status_5xx])).toEqual([
      ["(other)", 60n, 0n],
      ["/chat", 840n, 60n],
    ]);
    expect(rows[1]!.latency_p99_buckets).toEqual(histogram([[80, 840]]));
    expect(rows[1]!.latency_p50_buckets).toEqual(histogram([[20, 840]]));
    expect(rows[0]!.latency_p99_buckets).toEqual(zeros());
  });

  test("the network's hours sum every gateway's", async () => {
    const other = await createUser(t, { profile: "vendor" });
    await authorized(t, [{ time: at(H1, 10), vendorId: other.id, gatewayId: "edge-eu", amount: 7n, latencyMs: 600 }]);
    await rollup(t, clock);
    const [row] = await t.sql`SELECT gateways, authorized_count, authorized_atomic, latency_buckets, requests, status_5xx FROM telemetry_network_hourly WHERE hour = ${H1}`;
    expect(row).toMatchObject({
      gateways: 2,
      authorized_count: 4n,
      authorized_atomic: 6007n,
      latency_buckets: histogram([[10, 1], [20, 1], [30, 1], [600, 1]]),
      requests: 900n,
      status_5xx: 60n,
    });
    const routes = await t.sql`SELECT route, gateways, requests FROM telemetry_network_route_hourly WHERE hour = ${H1} ORDER BY route`;
    expect(routes.map((r) => [r.route, r.gateways, r.requests])).toEqual([
      ["(other)", 1, 60n],
      ["/chat", 1, 840n],
    ]);
  });
});

describe("runs recompute, they never add", () => {
  test("a second run, and six at once, leave the same rows", async () => {
    const before = await gatewayRows(vendor.id);
    await rollup(t, clock);
    expect(await gatewayRows(vendor.id)).toEqual(before);
    const results = await Promise.all(Array.from({ length: 6 }, () => rollup(t, clock)));
    // The advisory lock lets one through at a time; the others skip their turn.
    expect(results.some((r) => r.ran)).toBe(true);
    expect(await gatewayRows(vendor.id)).toEqual(before);
  });

  test("an event that arrives late for the previous hour is counted by the next run", async () => {
    await authorized(t, [{ time: at(H1, 40), vendorId: vendor.id, amount: 500n, latencyMs: 10 }]);
    await rollup(t, clock);
    const [row] = await gatewayRows(vendor.id);
    expect(row).toMatchObject({ authorized_count: 4n, authorized_atomic: 6500n, latency_buckets: histogram([[10, 2], [20, 1], [30, 1]]) });
  });

  test("a packet that is not the documented shape is left out, and the rollup still runs", async () => {
    const odd = await createUser(t, { profile: "vendor" });
    await packet(t, { end: at(H0, 5), vendorId: odd.id, routes: { "/x": { "200": -5, "500": 3, latency_p99: -1, latency_p50: 1e12, "2000": 7 } as never } });
    await t.sql`
      INSERT INTO gateway_telemetry (time, vendor_id, gateway_id, period_start, period_end, system, business)
      VALUES (${at(H0, 6)}, ${odd.id}, 'gateway-01', ${at(H0, 5)}, ${at(H0, 6)}, '{"uptime_seconds": "soon"}', '{"routes": ["not", "an", "object"]}')`;
    expect((await rollup(t, clock)).ran).toBe(true);
    const [row] = await gatewayRows(odd.id);
    expect(row).toMatchObject({ packets: 2, requests: 3n, status_5xx: 3n, heartbeat_seconds: 120, process_uptime_seconds: null });
  });
});

describe("percentiles over a range come from summed buckets", () => {
  test("p50 and p99 of two hours are those of all their payments, not the average of the hours' p99s", async () => {
    const v = await createUser(t, { profile: "vendor" });
    // A busy fast hour and a quiet slow one.
    await authorized(t, Array.from({ length: 1000 }, (_, i) => ({ time: at(H1, i / 20), vendorId: v.id, gatewayId: "g", latencyMs: 10 })));
    await authorized(t, Array.from({ length: 100 }, (_, i) => ({ time: at(H0, i / 10), vendorId: v.id, gatewayId: "g", latencyMs: 500 })));
    await rollup(t, clock);
    const rows = await t.sql<{ latency_buckets: bigint[] }[]>`SELECT latency_buckets FROM telemetry_gateway_hourly WHERE vendor_id = ${v.id} ORDER BY hour`;
    const hourly = rows.map((r) => quantile(r.latency_buckets, 0.99)!);
    const summed = rows[0]!.latency_buckets.map((n, i) => n + rows[1]!.latency_buckets[i]!);
    // 1,100 payments: the 550th is 10 ms, the 1,089th 500 ms. Each lies in its value's bucket
    // ([10, 15) and [500, 750)), interpolated within it.
    const p50 = quantile(summed, 0.5)!;
    const p99 = quantile(summed, 0.99)!;
    expect(p50).toBe(10 + (5 * 550) / 1000);
    expect(p99).toBe(500 + (250 * 89) / 100);
    expect(bucketOf(p50)).toBe(bucketOf(10));
    expect(bucketOf(p99)).toBe(bucketOf(500));
    // Averaging the hours' p99s (about 14 and 747) answers about 380: in neither value's bucket.
    const averaged = (hourly[0]! + hourly[1]!) / 2;
    expect(bucketOf(averaged)).not.toBe(bucketOf(500));
    expect(bucketOf(averaged)).not.toBe(bucketOf(10));
  });

  test("an empty histogram has no percentile; the unbounded bucket answers its lower bound", () => {
    expect(quantile(zeros(), 0.5)).toBeNull();
    expect(quantile(histogram([[90_000, 3]]), 0.99)).toBe(60_000);
    expect(quantile(histogram([[0.5, 1]]), 0.5)).toBe(0.5);
  });
});

describe("retention", () => {
  test("hours older than a year are deleted by the run", async () => {
    const old = new Date(H0.getTime() - 366 * 24 * HOUR);
    await t.sql`
      INSERT INTO telemetry_gateway_hourly (hour, vendor_id, gateway_id, authorized_count, authorized_atomic, latency_buckets, blocked_count,
        blocked_by_reason, packets, requests, status_2xx, status_402, status_4xx, status_5xx, heartbeat_seconds, rolled_at)
      VALUES (${old}, ${vendor.id}, 'gateway-01', 1, 1, ${zeros().map(String)}::bigint[], 0, '{}', 0, 0, 0, 0, 0, 0, 0, ${old})`;
    const result = await rollup(t, clock);
    expect(result.deleted).toBe(1);
    expect((await gatewayRows(vendor.id)).map((r) => r.hour)).toEqual([H1, H0]);
  });
});
