import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CloudEvent, HTTP } from "cloudevents";
import { startTestApp, type TestApp } from "../support/app";
import { createUser, type TestUser } from "../support/fixtures";
import { json } from "../support/http";
import { createKey } from "../support/ledger";
import { linkedDevice } from "../support/pairing";
import { postSigned, startTestReceiver, type TestReceiver } from "../support/receiver";
import type { TestWallet } from "../support/solana-keys";
import { deepPacket, insolvencyRisk, paymentAuthorized, requestBlocked, sdkPacket } from "../support/telemetry-shapes";

// A gateway-shaped client and an SDK-shaped client post exactly the documented shapes (signed by
// their linked device keys, or with their API keys); the rows land in the routed tables, the raw
// copy and metrics, under the sender the credential proved.

let t: TestApp;
let r: TestReceiver;
let vendor: TestUser;
let agent: TestUser;
let gatewayDevice: TestWallet;
let agentDevice: TestWallet;
let gatewayKey: string;
let agentKey: string;

beforeAll(async () => {
  t = await startTestApp({ RATE_LIMIT_LINK_PER_MINUTE: "1000" });
  r = await startTestReceiver(t);
  vendor = await createUser(t, { profile: "vendor" });
  agent = await createUser(t, { profile: "agent" });
  gatewayDevice = await linkedDevice(t, vendor.token, "vendor");
  agentDevice = await linkedDevice(t, agent.token, "agent");
  gatewayKey = await createKey(t, vendor.token, "gateway");
  agentKey = await createKey(t, agent.token, "agent");
});
afterAll(async () => {
  await r.close();
  await t.close();
});

const count = async (table: string, where: string, value: bigint | string) =>
  Number((await t.sql.unsafe(`SELECT count(*)::int AS n FROM ${table} WHERE ${where} = $1`, [value.toString()]))[0]!.n);

describe("a gateway's CloudEvents batch", () => {
  test("signed by its linked vendor device: 202, routed by type, a raw copy each", async () => {
    const now = new Date();
    const batch = [
      paymentAuthorized({ time: now, agent: agentDevice.address, amount: 5000, latencyMs: 14 }),
      paymentAuthorized({ time: now, agent: agentDevice.address, amount: "9007199254740993" }),
      requestBlocked({ time: now, agent: agentDevice.address }),
      insolvencyRisk({ time: now, agent: agentDevice.address }),
    ];
    const res = await postSigned(r, "/v1/ingest", batch, gatewayDevice);
    expect(res.status).toBe(202);
    expect(await json(res)).toEqual({ accepted: 4, kind: "events" });
    await r.flushed();

    const paid = await t.sql<{ vendor_id: bigint; gateway_id: string; agent: string; amount_atomic: bigint; token_mint: string; latency_ms: number | null; event_id: string }[]>`
      SELECT vendor_id, gateway_id, agent, amount_atomic, token_mint, latency_ms, event_id FROM payment_authorized WHERE vendor_id = ${vendor.id} ORDER BY amount_atomic`;
    expect(paid.map((p) => [p.gateway_id, p.agent, p.amount_atomic, p.latency_ms, p.event_id])).toEqual([
      ["gateway-01", agentDevice.address, 5000n, 14, batch[0]!.id],
      // Past 2^53 as a digit string, exact to the unit.
      ["gateway-01", agentDevice.address, 9007199254740993n, 12, batch[1]!.id],
    ]);
    const [blocked] = await t.sql`SELECT reason, current_balance_atomic, required_amount_atomic FROM request_blocked WHERE vendor_id = ${vendor.id}`;
    expect(blocked).toEqual({ reason: "solvency_check_failed", current_balance_atomic: 100n, required_amount_atomic: 5000n });
    const [risk] = await t.sql`SELECT agent, remaining_balance_atomic, burn_rate_1h_atomic FROM solvency_alerts WHERE vendor_id = ${vendor.id}`;
    expect(risk).toEqual({ agent: agentDevice.address, remaining_balance_atomic: 20000n, burn_rate_1h_atomic: 150000n });

    const raw = await t.sql<{ event_id: string; type: string; source: string; agent_id: bigint | null; data: { data: { amount: unknown } } }[]>`
      SELECT event_id, type, source, agent_id, data FROM telemetry_events WHERE vendor_id = ${vendor.id} ORDER BY type, event_id`;
    expect(raw).toHaveLength(4);
    // The raw copy is the event as sent (the large amount kept as the string it came as).
    const big = raw.find((e) => e.event_id === batch[1]!.id)!;
    expect(big.data.data.amount).toBe("9007199254740993");
    expect(raw.every((e) => e.source === "gateway-01" && e.agent_id === null)).toBe(true);
  });

  test("with its gateway key (Bearer): the same routing, under the key's vendor", async () => {
    const res = await r.post("/v1/ingest", [paymentAuthorized({ time: new Date(), agent: "some-agent", amount: 777 })], `Bearer ${gatewayKey}`);
    expect(res.status).toBe(202);
    await r.flushed();
    expect(await count("payment_authorized", "amount_atomic", "777")).toBe(1);
    const [row] = await t.sql`SELECT vendor_id FROM payment_authorized WHERE amount_atomic = 777`;
    expect(row!.vendor_id).toBe(vendor.id);
  });

  test("built with the CloudEvents SDK (structured mode, sent as a batch): accepted as it is", async () => {
    const time = new Date().toISOString();
    const events = [1, 2].map(
      (n) =>
        new CloudEvent({
          type: "com.machpay.payment.authorized",
          source: "gateway-02",
          time,
          datacontenttype: "application/json",
          data: { agent_id: "sdk-agent", amount: 400 + n, token: "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", service_id: null, latency_ms: null },
        }),
    );
    // The SDK's own structured serialization of each event; a batch is their JSON array.
    const body = `[${events.map((e) => HTTP.structured(e).body as string).join(",")}]`;
    const res = await r.post("/v1/ingest", body, `Bearer ${gatewayKey}`, { "content-type": "application/cloudevents-batch+json" });
    expect(res.status).toBe(202);
    await r.flushed();
    const rows = await t.sql`SELECT event_id, amount_atomic, service_id, latency_ms FROM payment_authorized WHERE gateway_id = 'gateway-02' ORDER BY amount_atomic`;
    expect(rows.map((row) => [row.event_id, row.amount_atomic, row.service_id, row.latency_ms])).toEqual(events.map((e, i) => [e.id, BigInt(401 + i), null, null]));
  });

  test("the same signed request sent twice stores its events once", async () => {
    const batch = [paymentAuthorized({ time: new Date(), agent: "replayed", amount: 4242 }), requestBlocked({ time: new Date(), agent: "replayed", reason: "replay_detected" })];
    const text = JSON.stringify(batch);
    const first = await postSigned(r, "/v1/ingest", text, gatewayDevice);
    expect(first.status).toBe(202);
    await r.flushed();
    // A captured request, replayed byte for byte within the signature's window: accepted, not stored again.
    const again = await postSigned(r, "/v1/ingest", text, gatewayDevice);
    expect(again.status).toBe(202);
    await r.flushed();
    expect(await count("payment_authorized", "agent", "replayed")).toBe(1);
    expect(await count("request_blocked", "agent", "replayed")).toBe(1);
    expect(await count("telemetry_events", "event_id", batch[0]!.id)).toBe(1);
    const metrics = await (await fetch(r.url + "/metrics")).text();
    expect(metrics).toMatch(/telemetry_events_duplicate_total 2\b/);
  });
});

describe("a gateway's deep packet", () => {
  test("gateway_telemetry, a raw copy, and metrics per route and of the system", async () => {
    const end = new Date();
    const packet = deepPacket({ end, gateway: "gateway-07" });
    const res = await postSigned(r, "/v1/ingest", packet, gatewayDevice);
    expect(res.status).toBe(202);
    expect(await json(res)).toEqual({ accepted: 1, kind: "packet" });
    await r.flushed();

    const [row] = await t.sql<{ vendor_id: bigint; period_start: Date; period_end: Date; system: Record<string, number>; business: { total_revenue: string } }[]>`
      SELECT vendor_id, period_start, period_end, system, business FROM gateway_telemetry WHERE gateway_id = 'gateway-07'`;
    expect(row!.vendor_id).toBe(vendor.id);
    expect(row!.period_end.toISOString()).toBe(end.toISOString());
    expect(row!.system.uptime_seconds).toBe(86_400);
    // Money in the packet's jsonb stays exact: a digit string.
    expect(row!.business.total_revenue).toBe("6000000");

    const metrics = await t.sql<{ metric_name: string; value: number; labels: Record<string, string>; vendor_id: bigint }[]>`
      SELECT metric_name, value, labels, vendor_id FROM metrics WHERE entity_id = 'gateway-07' ORDER BY metric_name, labels::text`;
    const byName = (name: string) => metrics.filter((m) => m.metric_name === name).map((m) => [m.labels, m.value]);
    expect(byName("gateway_requests")).toEqual([
      [{ route: "/chat", status: "200" }, 1200],
      [{ route: "/chat", status: "402" }, 35],
      [{ route: "/chat", status: "500" }, 2],
      [{ route: "/images/gen", status: "200" }, 40],
    ]);
    expect(byName("gateway_route_latency_ms")).toEqual([
      [{ route: "/chat", quantile: "p99" }, 87],
      [{ route: "/images/gen", quantile: "p99" }, 950],
    ]);
    expect(byName("gateway_cpu_usage_percent")).toEqual([[{}, 12.5]]);
    expect(byName("gateway_ram_usage_mb")).toEqual([[{}, 182.4]]);
    expect(byName("gateway_uptime_seconds")).toEqual([[{}, 86_400]]);
    expect(byName("gateway_active_connections")).toEqual([[{}, 17]]);
    expect(metrics.every((m) => m.vendor_id === vendor.id)).toBe(true);
    expect(await count("telemetry_events", "source", "gateway-07")).toBe(1);
  });
});

describe("an agent SDK's packet", () => {
  test("signed by its linked agent device: agent_telemetry and per-vendor metrics under that agent", async () => {
    const end = new Date();
    const packet = sdkPacket({ end, agent: agentDevice.address, vendor: "api.vendor.example" });
    const res = await postSigned(r, "/v1/telemetry", packet, agentDevice);
    expect(res.status).toBe(202);
    expect(await json(res)).toEqual({ accepted: 1, kind: "agent_packets" });
    await r.flushed();

    const [row] = await t.sql<{ agent_id: bigint; reported_agent: string; sdk_version: string; wallet: Record<string, unknown>; interactions: Record<string, { spend_atomic: string }> }[]>`
      SELECT agent_id, reported_agent, sdk_version, wallet, interactions FROM agent_telemetry WHERE agent_id = ${agent.id}`;
    expect(row!.reported_agent).toBe(agentDevice.address);
    expect(row!.sdk_version).toBe("0.2.0");
    expect(row!.wallet.usdc_balance_atomic).toBe("4200000");
    expect(row!.interactions["api.vendor.example"]!.spend_atomic).toBe("585000");

    const metrics = await t.sql<{ metric_name: string; value: number; labels: Record<string, string> }[]>`
      SELECT metric_name, value, labels FROM metrics WHERE entity_id = ${agent.id.toString()} ORDER BY metric_name, labels::text`;
    const of = (name: string) => metrics.filter((m) => m.metric_name === name).map((m) => [m.labels, m.value]);
    expect(of("agent_interaction_attempts")).toEqual([[{ vendor: "api.vendor.example" }, 120]]);
    expect(of("agent_interaction_failures")).toEqual([[{ vendor: "api.vendor.example" }, 3]]);
    expect(of("agent_payment_latency_p99_ms")).toEqual([[{ vendor: "api.vendor.example" }, 84]]);
    expect(of("agent_spend_atomic")).toEqual([[{ vendor: "api.vendor.example" }, 585_000]]);
    expect(of("agent_interaction_errors")).toEqual([
      [{ vendor: "api.vendor.example", error: "402_loop_failed" }, 1],
      [{ vendor: "api.vendor.example", error: "timeout" }, 2],
    ]);
    expect(of("agent_usdc_balance_atomic")).toEqual([[{}, 4_200_000]]);
  });

  test("with its agent key, as an array, and on the /v1/agent alias", async () => {
    const end = new Date();
    const packets = [sdkPacket({ end, agent: "key-agent-1" }), sdkPacket({ end, agent: "key-agent-2" })];
    expect((await r.post("/v1/telemetry", packets, `Bearer ${agentKey}`)).status).toBe(202);
    expect((await r.post("/v1/agent", sdkPacket({ end, agent: "key-agent-3" }), `Bearer ${agentKey}`)).status).toBe(202);
    await r.flushed();
    const rows = await t.sql`SELECT reported_agent FROM agent_telemetry WHERE agent_id = ${agent.id} AND reported_agent LIKE 'key-agent-%' ORDER BY reported_agent`;
    expect(rows.map((x) => x.reported_agent)).toEqual(["key-agent-1", "key-agent-2", "key-agent-3"]);
  });
});

test("/health, /ready and the receiver's own /metrics", async () => {
  expect((await fetch(r.url + "/health")).status).toBe(200);
  expect((await fetch(r.url + "/ready")).status).toBe(200);
  const text = await (await fetch(r.url + "/metrics")).text();
  for (const name of [
    "telemetry_events_accepted_total",
    "telemetry_events_rejected_total",
    "telemetry_events_dropped_total",
    "telemetry_queue_events",
    "telemetry_flush_events_bucket",
    "telemetry_flush_duration_seconds_bucket",
    "http_requests_total",
  ]) {
    expect(text).toContain(name);
  }
  expect(text).toMatch(/telemetry_events_accepted_total\{route="gateway"\} \d+/);
});
