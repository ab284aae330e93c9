import { afterAll, beforeAll, expect, test } from "bun:test";
import { manualClock } from "@/core/clock";
import { startTestApp, type TestApp } from "../support/app";
import { createUser, type TestUser } from "../support/fixtures";
import { json } from "../support/http";
import { createKey, get } from "../support/ledger";
import { linkedDevice } from "../support/pairing";
import { startTestReceiver, type TestReceiver } from "../support/receiver";
import type { TestWallet } from "../support/solana-keys";
import { deepPacket, insolvencyRisk, paymentAuthorized, requestBlocked, sdkPacket } from "../support/telemetry-shapes";
import { baseHour, MINUTE, rollup } from "./raw-rows";

// Issue 14's "resolved when": a gateway-shaped client posts exactly the documented CloudEvents and
// deep packets (ecosystem-notes §2.2) to the receiver, an SDK its packet (§2.3), the rollup runs,
// and the vendor's dashboard and the public stats show their figures; the agent's owner is told
// of the insolvency risk the gateway reported.

const H1 = baseHour(1);
const H0 = baseHour(0);
const clock = manualClock(new Date(H0.getTime() + 30 * MINUTE));
const at = (hour: Date, minutes: number) => new Date(hour.getTime() + minutes * MINUTE);
const ROUTES = { "/v1/chat/completions": { "200": 1200, "402": 35, "500": 13, latency_p99: 87 }, "/v1/images/gen": { "200": 40, latency_p99: 950 } };

let t: TestApp;
let receiver: TestReceiver;
let vendor: TestUser;
let agent: TestUser;
let agentKey: TestWallet;
let gatewayKey: string;

const gatewayPost = async (body: unknown) => {
  const res = await receiver.post("/v1/ingest", body, `Bearer ${gatewayKey}`);
  expect(res.status).toBe(202);
  return json(res);
};

beforeAll(async () => {
  t = await startTestApp({}, { clock });
  receiver = await startTestReceiver(t, {}, { clock });
  vendor = await createUser(t, { profile: "vendor" });
  agent = await createUser(t, { profile: "agent" });
  gatewayKey = await createKey(t, vendor.token, "gateway");
  agentKey = await linkedDevice(t, agent.token, "agent");

  // The gateway's event batches (every 500 ms or 100 events, as its dispatcher sends them).
  await gatewayPost([
    paymentAuthorized({ time: at(H1, 10), agent: agentKey.address, amount: 5000, latencyMs: 12 }),
    paymentAuthorized({ time: at(H1, 20), agent: agentKey.address, amount: 5000, latencyMs: 14 }),
    paymentAuthorized({ time: at(H0, 5), agent: agentKey.address, amount: "10000", latencyMs: 95 }),
    requestBlocked({ time: at(H0, 6), agent: agentKey.address, reason: "solvency_check_failed" }),
  ]);
  await gatewayPost([insolvencyRisk({ time: at(H0, 7), agent: agentKey.address, remaining: 20_000, burnRate: 150_000 })]);
  // Its deep packets: the last hour and a half, every 60 s.
  for (let end = H1.getTime() + MINUTE; end <= at(H0, 30).getTime(); end += MINUTE) await gatewayPost(deepPacket({ end: new Date(end), routes: ROUTES }));
  // The agent's SDK packet, under its agent key.
  const sdkKey = await createKey(t, agent.token, "agent");
  const sdk = await receiver.post("/v1/telemetry", sdkPacket({ end: at(H0, 20), agent: agentKey.address }), `Bearer ${sdkKey}`);
  expect(sdk.status).toBe(202);
  await sdk.json();
  await receiver.flushed();
  await rollup(t, clock);
});
afterAll(async () => {
  await receiver.close();
  await t.close();
});

test("the vendor's dashboard (GET /v1/vendor/stats) shows what its gateway reported", async () => {
  const r = await get(t, "/v1/vendor/stats", vendor.token);
  expect(r.status).toBe(200);
  // The ledger saw no payment: its figures are its own.
  expect(r.body).toMatchObject({ revenue_atomic: "0", payment_count: 0 });
  const packets = 90;
  expect(r.body.telemetry).toMatchObject({
    source: "gateway telemetry",
    as_of: at(H0, 30).toISOString(),
    requests: packets * (1248 + 40),
    errors_5xx: packets * 13,
    error_rate: Math.round(((packets * 13) / (packets * 1288)) * 10_000) / 10_000,
    payments_authorized: 3,
    authorized_atomic: "20000",
    requests_blocked: 1,
    block_rate: 0.25,
    blocked_by_reason: { solvency_check_failed: 1 },
    uptime_ratio: 1,
    gateways: [{ gateway_id: "gateway-01", last_packet_at: at(H0, 30).toISOString(), process_uptime_seconds: 86_400, uptime_ratio: 1 }],
  });
  // 12, 14 and 95 ms: the median in [10, 15), the p99 in [75, 100).
  const { p50, p99 } = r.body.telemetry.latency_ms;
  expect(p50).toBeGreaterThanOrEqual(10);
  expect(p50).toBeLessThan(15);
  expect(p99).toBeGreaterThanOrEqual(75);
  expect(p99).toBeLessThan(100);
  expect(r.body.telemetry.routes.map((x: any) => [x.route, x.requests, x.errors_5xx, x.payment_required_402])).toEqual([
    ["/v1/chat/completions", packets * 1248, packets * 13, packets * 35],
    ["/v1/images/gen", packets * 40, 0, 0],
  ]);
  // Each packet said 87 ms and 950 ms: in [75, 100) and [750, 1000).
  expect(r.body.telemetry.routes[0].latency_ms.p99).toBeGreaterThanOrEqual(75);
  expect(r.body.telemetry.routes[0].latency_ms.p99).toBeLessThan(100);
  expect(r.body.telemetry.routes[1].latency_ms.p99).toBeGreaterThanOrEqual(750);
  expect(r.body.telemetry.routes[1].latency_ms.p99).toBeLessThan(1000);
});

test("the public stats and dashboard show the network's figures", async () => {
  const stats = await json(await fetch(t.url + "/v1/network/stats"));
  expect(stats.telemetry).toMatchObject({ source: "gateway telemetry", gateways: 1, payments_authorized: 3, requests_blocked: 1, uptime_ratio: 1 });
  expect(stats.telemetry.routes[0]).toMatchObject({ route: "/v1/chat/completions", requests: 90 * 1248 });
  const dashboard = await json(await fetch(t.url + "/v1/public/dashboard"));
  expect(dashboard.stats.telemetry).toEqual(stats.telemetry);
});

test("the agent's owner is told of the insolvency risk its gateway reported", async () => {
  const rows = await t.sql<{ payload: any }[]>`SELECT payload FROM notifications WHERE user_id = ${agent.id} AND type = 'agent.insolvency_risk'`;
  expect(rows.map((r) => r.payload)).toEqual([
    expect.objectContaining({ source: "gateway telemetry", gateway_id: "gateway-01", balance_atomic: "20000", burn_rate_1h_atomic: "150000", runway_hours: 0.1 }),
  ]);
  // The agent rollup joined the gateway's events (by the agent's key) and the SDK's packet.
  const [row] = await t.sql`SELECT sum(gateway_authorized_count)::int AS paid, sum(attempts)::int AS attempts, sum(spend_atomic)::text AS spend FROM telemetry_agent_hourly WHERE agent_id = ${agent.id}`;
  expect(row).toEqual({ paid: 3, attempts: 120, spend: "585000" });
});
