import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { manualClock } from "@/core/clock";
import { startTestApp, type TestApp } from "../support/app";
import { createUser, type TestUser } from "../support/fixtures";
import { json } from "../support/http";
import { earn, get } from "../support/ledger";
import { authorized, baseHour, blocked, ensurePartitions, HOUR, MINUTE, packetsEveryMinute, rollup } from "./raw-rows";

// What the dashboards show of telemetry: GET /v1/vendor/stats (payouts), GET /v1/network/stats
// and the public dashboard (public), each telemetry block naming its source, and absent, with
// every other figure unchanged, when no gateway reported.

const H1 = baseHour(1);
const H0 = baseHour(0);
// Starts before H0 + 30 min: the rollup's last run time never moves back, and the telemetry's
// rollup runs at H0 + 30 min.
const clock = manualClock(new Date(H0.getTime() + 28 * MINUTE));
let t: TestApp;
let vendor: TestUser;
let flaky: TestUser;

const at = (hour: Date, minutes: number) => new Date(hour.getTime() + minutes * MINUTE);
const CHAT = { "200": 10, "402": 2, "500": 1, latency_p99: 80, latency_p50: 20 };

const vendorStats = async (user: TestUser) => {
  const r = await get(t, "/v1/vendor/stats", user.token);
  expect(r.status).toBe(200);
  return r.body;
};
/** Public reads are computed at most every 5 s of the clock: step past that first. */
const publicRead = async (path: string) => {
  clock.advance(6000);
  const res = await fetch(t.url + path);
  expect(res.status).toBe(200);
  return json(res);
};

beforeAll(async () => {
  t = await startTestApp({}, { clock });
  await ensurePartitions(t, clock.now());
  vendor = await createUser(t, { profile: "vendor" });
  flaky = await createUser(t, { profile: "vendor" });
});
afterAll(() => t.close());

describe("with no telemetry, the answers are what they were", () => {
  test("vendor stats and network stats carry no telemetry block, before and after a rollup run", async () => {
    await earn(t, vendor.id, 1_000_000n);
    for (const run of [false, true]) {
      if (run) await rollup(t, clock);
      const stats = await vendorStats(vendor);
      expect(Object.keys(stats).sort()).toEqual(
        ["revenue_atomic", "payment_count", "unsettled_atomic", "settled_atomic", "payouts_pending_atomic", "debt_atomic", "latency_ms", "token_mint"].sort(),
      );
      expect(stats).toMatchObject({ revenue_atomic: "1000000", payment_count: 1 });
      expect("telemetry" in (await publicRead("/v1/network/stats"))).toBe(false);
      expect("telemetry" in (await publicRead("/v1/public/dashboard")).stats).toBe(false);
    }
  });
});

describe("with telemetry", () => {
  beforeAll(async () => {
    // vendor: 90 minutes of packets without a gap; flaky: the first half hour of H1, then silence.
    await packetsEveryMinute(t, { from: H1, to: H0, vendorId: vendor.id, routes: { "/v1/chat": CHAT } });
    await packetsEveryMinute(t, { from: H0, to: at(H0, 30), vendorId: vendor.id, routes: { "/v1/chat": CHAT, "/v1/images": { "200": 1 } } });
    await packetsEveryMinute(t, { from: H1, to: at(H1, 30), vendorId: flaky.id, gatewayId: "edge-eu", routes: { "/v1/chat": { "200": 5, "500": 5, latency_p99: 900 } } });
    await authorized(t, [
      { time: at(H1, 1), vendorId: vendor.id, latencyMs: 10, amount: 1000n },
      { time: at(H1, 2), vendorId: vendor.id, latencyMs: 20, amount: 2000n },
      { time: at(H0, 3), vendorId: vendor.id, latencyMs: 30, amount: 3000n },
    ]);
    await blocked(t, [{ time: at(H0, 4), vendorId: vendor.id, reason: "solvency_check_failed" }]);
    clock.set(at(H0, 30));
    await rollup(t, clock);
  });

  test("GET /v1/vendor/stats adds what the vendor's gateways reported, beside the ledger's figures", async () => {
    const stats = await vendorStats(vendor);
    expect(stats).toMatchObject({ revenue_atomic: "1000000", payment_count: 1 });
    expect(stats.telemetry).toEqual({
      source: "gateway telemetry",
      window_hours: 24,
      from: new Date(H0.getTime() - 23 * HOUR).toISOString(),
      as_of: at(H0, 30).toISOString(),
      // 90 packets of 13 requests on /v1/chat, 30 of them with 1 more on /v1/images.
      requests: 90 * 13 + 30,
      errors_5xx: 90,
      error_rate: Math.round((90 / 1200) * 10_000) / 10_000,
      payments_authorized: 3,
      requests_blocked: 1,
      block_rate: 0.25,
      // 10, 20 and 30 ms: the median in [20, 30), the p99 in [30, 40), interpolated.
      latency_ms: { p50: 25, p99: 39.7 },
      uptime_ratio: 1,
      authorized_atomic: "6000",
      blocked_by_reason: { solvency_check_failed: 1 },
      gateways: [{ gateway_id: "gateway-01", last_packet_at: at(H0, 30).toISOString(), process_uptime_seconds: 1800, uptime_ratio: 1 }],
      routes: [
        // Every packet said 80 ms (p99) and 20 ms (p50): in [75, 100) and [20, 30).
        { route: "/v1/chat", requests: 1170, errors_5xx: 90, payment_required_402: 180, error_rate: 0.0769, latency_ms: { p50: 25, p99: 99.8 } },
        { route: "/v1/images", requests: 30, errors_5xx: 0, payment_required_402: 0, error_rate: 0, latency_ms: { p50: null, p99: null } },
      ],
    });
  });

  test("a gateway that went silent: its uptime counts the silence", async () => {
    const stats = await vendorStats(flaky);
    // 30 minutes of packets since its first one, 90 minutes before the rollup ran.
    expect(stats.telemetry).toMatchObject({
      uptime_ratio: 0.3333,
      error_rate: 0.5,
      gateways: [{ gateway_id: "edge-eu", last_packet_at: at(H1, 30).toISOString(), uptime_ratio: 0.3333 }],
      routes: [{ route: "/v1/chat", requests: 300, errors_5xx: 150, latency_ms: { p50: null, p99: 997.5 } }],
    });
    // The other vendor's gateways and routes are not in it.
    expect(JSON.stringify(stats.telemetry)).not.toContain("gateway-01");
  });

  test("GET /v1/network/stats and the public dashboard add the network's figures", async () => {
    const stats = await publicRead("/v1/network/stats");
    expect(stats.telemetry).toEqual({
      source: "gateway telemetry",
      window_hours: 24,
      from: new Date(H0.getTime() - 23 * HOUR).toISOString(),
      as_of: at(H0, 30).toISOString(),
      requests: 1200 + 300,
      errors_5xx: 90 + 150,
      error_rate: Math.round((240 / 1500) * 10_000) / 10_000,
      payments_authorized: 3,
      requests_blocked: 1,
      block_rate: 0.25,
      latency_ms: { p50: 25, p99: 39.7 },
      // (5400 + 1800) covered of (5400 + 5400) expected.
      uptime_ratio: Math.round((7200 / 10800) * 10_000) / 10_000,
      gateways: 2,
      routes: [
        // 1,170 requests at 80 ms and 300 at 900 ms: the 1,455th is among the slow ones, in [750, 1000).
        {
          route: "/v1/chat",
          requests: 1470,
          errors_5xx: 240,
          payment_required_402: 180,
          error_rate: 0.1633,
          latency_ms: { p50: 25, p99: Math.round((750 + (250 * (0.99 * 1470 - 1170)) / 300) * 10) / 10 },
        },
        { route: "/v1/images", requests: 30, errors_5xx: 0, payment_required_402: 0, error_rate: 0, latency_ms: { p50: null, p99: null } },
      ],
    });
    // The ledger's figures beside it are unchanged.
    expect(stats).toMatchObject({ tx_count_24h: 1, volume_24h_atomic: "1000000" });
    const dashboard = await publicRead("/v1/public/dashboard");
    expect(dashboard.stats.telemetry).toEqual({ ...stats.telemetry });
  });
});
