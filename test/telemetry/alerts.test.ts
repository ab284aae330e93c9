import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { manualClock } from "@/core/clock";
import { recordNotification, startNotificationWorker } from "@/notifications";
import { startRealtime } from "@/realtime";
import { fireAlerts, rollupOptionsOf } from "@/telemetry/rollups";
import { startTestApp, type TestApp } from "../support/app";
import { createUser, type TestUser } from "../support/fixtures";
import { linkedDevice } from "../support/pairing";
import { openStream, type Client } from "../realtime/sse-client";
import { startReceiver, type Receiver } from "../notifications/receiver";
import { agentPacket, baseHour, ensurePartitions, HOUR, insolvencyRisk, MINUTE, packet, rollup } from "./raw-rows";

// Telemetry alerts become the owner's notifications (SSE on user:<id>, webhooks, email), once
// per entity and window, however many runs (or replicas) evaluate them.

const ALERT_TYPES = ["gateway.error_rate_high", "agent.insolvency_risk", "test.sentinel"];
const H0 = baseHour(0);
const clock = manualClock(new Date(H0.getTime() + 30 * MINUTE));
let t: TestApp;
let receiver: Receiver;
const stops: (() => Promise<void>)[] = [];
const at = (hour: Date, minutes: number) => new Date(hour.getTime() + minutes * MINUTE);

beforeAll(async () => {
  t = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_TARGETS: "true", TELEMETRY_ERROR_RATE_ALERT_PERCENT: "5", TELEMETRY_ERROR_RATE_MIN_REQUESTS: "100" }, { clock });
  await ensurePartitions(t, clock.now());
  receiver = startReceiver();
  stops.push(startRealtime(t.deps), startNotificationWorker(t.deps));
});
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  await receiver.close();
  await t.close();
});

const notifications = async (userId: bigint, type: string): Promise<{ payload: any }[]> => [
  ...(await t.sql<{ payload: any }[]>`SELECT payload FROM notifications WHERE user_id = ${userId} AND type = ${type} ORDER BY id`),
];

function stream(user: TestUser): Client {
  const c = openStream(`${t.url}/v1/events?topics=user:${user.id}&access_token=${user.token}`, { types: ALERT_TYPES });
  stops.push(async () => c.close());
  return c;
}

/** Everything recorded for the user before now has reached its stream (the relay goes in id order). */
async function drained(user: TestUser, c: Client) {
  const id = await t.sql.begin((tx) => recordNotification(tx, user.id, "test.sentinel", {}));
  await c.waitFor((e) => e.type === "test.sentinel" && e.data.notification_id === id.toString());
}

/** Two packets ending in `hour`: `ok` 200s and `errors` 500s on /chat. */
async function traffic(vendor: TestUser, hour: Date, ok: number, errors: number, gatewayId = "gateway-01") {
  for (const minute of [10, 11]) await packet(t, { end: at(hour, minute), vendorId: vendor.id, gatewayId, routes: { "/chat": { "200": ok / 2, "500": errors / 2 } } });
}

describe("a gateway's error rate", () => {
  test("over the threshold: one notification per gateway and hour, on SSE, webhooks and email, whatever the runs", async () => {
    const vendor = await createUser(t, { profile: "vendor" });
    const c = stream(vendor);
    await c.waitFor((e) => e.type === "connected");
    const hook = await fetch(`${t.url}/v1/webhooks`, {
      method: "POST",
      headers: { authorization: `Bearer ${vendor.token}`, "content-type": "application/json" },
      body: JSON.stringify({ url: receiver.url + "/alerts", events: ["gateway.error_rate_high"] }),
    });
    expect(hook.status).toBe(201);
    await hook.json();
    // 20 of 200 requests failed: 10% > 5%.
    await traffic(vendor, H0, 180, 20);
    for (let i = 0; i < 3; i++) await rollup(t, clock);
    await Promise.all(Array.from({ length: 5 }, () => rollup(t, clock)));

    const recorded = await notifications(vendor.id, "gateway.error_rate_high");
    expect(recorded.map((n) => n.payload)).toEqual([
      {
        gateway_id: "gateway-01",
        window_start: H0.toISOString(),
        window_end: new Date(H0.getTime() + HOUR).toISOString(),
        requests: 200,
        errors_5xx: 20,
        error_rate: 0.1,
        threshold: 0.05,
        source: "gateway telemetry",
      },
    ]);
    await drained(vendor, c);
    expect(c.events.filter((e) => e.type === "gateway.error_rate_high").map((e) => e.data.payload.error_rate)).toEqual([0.1]);
    const [delivered] = await receiver.waitFor(1);
    expect(delivered!.body).toMatchObject({ type: "gateway.error_rate_high", data: { gateway_id: "gateway-01", errors_5xx: 20 } });
    const deliveries = await t.sql`
      SELECT d.channel FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
      WHERE n.user_id = ${vendor.id} AND n.type = 'gateway.error_rate_high' ORDER BY d.channel`;
    expect(deliveries.map((d) => d.channel)).toEqual(["email", "webhook"]);

    // The next hour is another window.
    const next = new Date(H0.getTime() + HOUR);
    await ensurePartitions(t, next);
    clock.set(at(next, 20));
    await traffic(vendor, next, 100, 100);
    await rollup(t, clock);
    await rollup(t, clock);
    expect((await notifications(vendor.id, "gateway.error_rate_high")).map((n) => [n.payload.window_start, n.payload.error_rate])).toEqual([
      [H0.toISOString(), 0.1],
      [next.toISOString(), 0.5],
    ]);
    clock.set(at(H0, 30));
  });

  test("at or under the threshold, or under the minimum of requests, nothing fires", async () => {
    const vendor = await createUser(t, { profile: "vendor" });
    await traffic(vendor, H0, 190, 10, "exactly-5-percent");
    await traffic(vendor, H0, 40, 40, "too-few-requests");
    await rollup(t, clock);
    expect(await notifications(vendor.id, "gateway.error_rate_high")).toEqual([]);
  });

  test("evaluations racing in separate transactions (no advisory lock) still notify once", async () => {
    const vendor = await createUser(t, { profile: "vendor" });
    await traffic(vendor, H0, 100, 100, "racing");
    await rollup(t, clock);
    // The run above claimed it; clear the claim and the notification, then race five evaluations.
    await t.sql`DELETE FROM telemetry_alerts WHERE entity = ${`gateway:${vendor.id}:racing`}`;
    await t.sql`DELETE FROM notifications WHERE user_id = ${vendor.id}`;
    const range = { from: H0, to: new Date(H0.getTime() + HOUR), now: clock.now() };
    const rules = rollupOptionsOf(t.config).rules;
    const fired = await Promise.all(Array.from({ length: 5 }, () => t.sql.begin((tx) => fireAlerts(tx, range, rules))));
    expect(fired.reduce((n, f) => n + f.errorRate, 0)).toBe(1);
    expect(await notifications(vendor.id, "gateway.error_rate_high")).toHaveLength(1);
  });
});

describe("an agent at risk of running dry", () => {
  test("reports about the agent (its gateway's insolvency_risk, its SDK's warnings) tell its owner once a day, with the latest report", async () => {
    const agent = await createUser(t, { profile: "agent" });
    const vendor = await createUser(t, { profile: "vendor" });
    const key = await linkedDevice(t, agent.token, "agent");
    const c = stream(agent);
    await c.waitFor((e) => e.type === "connected");
    await insolvencyRisk(t, { time: at(H0, 5), vendorId: vendor.id, gatewayId: "edge-1", agent: key.address, remaining: 1_000_000n, burnRate: 400_000n });
    await insolvencyRisk(t, { time: at(H0, 15), vendorId: vendor.id, gatewayId: "edge-1", agent: key.address, remaining: 900_000n, burnRate: 400_000n });
    await agentPacket(t, { end: at(H0, 20), agentId: agent.id, wallet: { usdc_balance_atomic: "800000", low_balance_warnings: 2 } });
    await rollup(t, clock);
    await rollup(t, clock);

    const day = new Date(Math.floor(H0.getTime() / (24 * HOUR)) * 24 * HOUR);
    // The latest report of the day when the alert fired.
    expect((await notifications(agent.id, "agent.insolvency_risk")).map((n) => n.payload)).toEqual([
      {
        source: "sdk telemetry",
        gateway_id: null,
        balance_atomic: "800000",
        burn_rate_1h_atomic: null,
        runway_hours: null,
        observed_at: at(H0, 20).toISOString(),
        window_start: day.toISOString(),
      },
    ]);
    await drained(agent, c);
    expect(c.events.filter((e) => e.type === "agent.insolvency_risk")).toHaveLength(1);
    // The vendor whose gateway reported it is not told about another user's balance.
    expect(await notifications(vendor.id, "agent.insolvency_risk")).toEqual([]);
  });

  test("a gateway's report alone names the gateway, the balance, the burn rate and the runway", async () => {
    const agent = await createUser(t, { profile: "agent" });
    const vendor = await createUser(t, { profile: "vendor" });
    const key = await linkedDevice(t, agent.token, "agent");
    await insolvencyRisk(t, { time: at(H0, 25), vendorId: vendor.id, gatewayId: "edge-2", agent: key.address, remaining: 1_000_000n, burnRate: 400_000n });
    await rollup(t, clock);
    expect((await notifications(agent.id, "agent.insolvency_risk")).map((n) => n.payload)).toEqual([
      expect.objectContaining({ source: "gateway telemetry", gateway_id: "edge-2", balance_atomic: "1000000", burn_rate_1h_atomic: "400000", runway_hours: 2.5 }),
    ]);
  });

  test("a key nobody linked belongs to no one: nothing is recorded", async () => {
    const vendor = await createUser(t, { profile: "vendor" });
    const before = await t.sql`SELECT count(*)::int AS n FROM notifications WHERE type = 'agent.insolvency_risk'`;
    await insolvencyRisk(t, { time: at(H0, 26), vendorId: vendor.id, agent: "UnknownAgentKey1111111111111111111111111111", remaining: 1n, burnRate: 1n });
    await rollup(t, clock);
    expect(await t.sql`SELECT count(*)::int AS n FROM notifications WHERE type = 'agent.insolvency_risk'`).toEqual(before);
  });
});
