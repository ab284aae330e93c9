import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/app";
import { createUser } from "../support/fixtures";
import { json } from "../support/http";
import { createKey } from "../support/ledger";
import { startTestReceiver, type TestReceiver } from "../support/receiver";
import { deepPacket, paymentAuthorized, requestBlocked, sdkPacket } from "../support/telemetry-shapes";

// Bad input is a 400 naming every failing field (by the event's index in a batch), and nothing of
// the request is written: a batch is all or nothing.

let t: TestApp;
let r: TestReceiver;
let gatewayKey: string;
let agentKey: string;

beforeAll(async () => {
  t = await startTestApp();
  r = await startTestReceiver(t, { RECEIVER_BODY_LIMIT_BYTES: "65536" });
  gatewayKey = await createKey(t, (await createUser(t, { profile: "vendor" })).token, "gateway");
  agentKey = await createKey(t, (await createUser(t, { profile: "agent" })).token, "agent");
});
afterAll(async () => {
  await r.close();
  await t.close();
});

interface Issue {
  field: string;
  message: string;
}

async function refused(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await r.post(path, body, `Bearer ${path === "/v1/ingest" ? gatewayKey : agentKey}`, headers);
  const answer = await json(res);
  expect(res.status).toBe(400);
  expect(answer.error.code).toBe("invalid_request");
  return { issues: answer.error.details.issues as Issue[], rejected: answer.error.details.rejected_indexes as number[] | undefined, message: answer.error.message as string };
}

const fields = (issues: Issue[]) => issues.map((i) => i.field);
const ok = (amount: number | string = 1) => paymentAuthorized({ time: new Date(), agent: "agent-x", amount });
const hours = (n: number) => new Date(Date.now() + n * 3600_000);

describe("a gateway batch with bad events: 400, every one named, none taken", () => {
  test("a bad amount in the second of three", async () => {
    const { issues, rejected } = await refused("/v1/ingest", [ok(), ok("1.5"), ok()]);
    expect(fields(issues)).toEqual(["1.data.amount"]);
    expect(issues[0]!.message).toContain("atomic units");
    expect(rejected).toEqual([1]);
  });

  test("amounts: negative, past int8, and a JSON integer past 2^53 (already rounded by any JSON parser)", async () => {
    const { issues, rejected } = await refused("/v1/ingest", [ok(-5), ok("9223372036854775808"), ok(9007199254740993)]);
    expect(fields(issues)).toEqual(["0.data.amount", "1.data.amount", "2.data.amount"]);
    expect(rejected).toEqual([0, 1, 2]);
  });

  test("the envelope: specversion, id, type and time", async () => {
    const { issues } = await refused("/v1/ingest", [
      { ...ok(), specversion: "0.3" },
      { ...ok(), id: "" },
      { ...ok(), type: "com.machpay.unknown" },
      { ...ok(), time: "yesterday" },
      { ...ok(), time: "2026-02-30T00:00:00Z" },
    ]);
    expect(fields(issues)).toEqual(["0.specversion", "1.id", "2.type", "3.time", "4.time"]);
  });

  test("a time outside the window: too old (24 h), or ahead of the receiver's clock (5 min)", async () => {
    const { issues } = await refused("/v1/ingest", [
      paymentAuthorized({ time: hours(-25), agent: "a", amount: 1 }),
      paymentAuthorized({ time: hours(1), agent: "a", amount: 1 }),
      paymentAuthorized({ time: hours(-23), agent: "a", amount: 1 }),
    ]);
    expect(fields(issues)).toEqual(["0.time", "1.time"]);
    expect(issues[0]!.message).toContain("too late to store");
    expect(issues[1]!.message).toContain("clock");
  });

  test("data fields of each type", async () => {
    const blocked = requestBlocked({ time: new Date(), agent: "a" });
    const { issues } = await refused("/v1/ingest", [
      { ...blocked, data: { ...blocked.data, reason: "Not A Reason" } },
      { ...ok(), data: { ...ok().data, latency_ms: -1, token: "not-a-mint" } },
      { ...ok(), source: "bad source with spaces" },
    ]);
    expect(fields(issues)).toEqual(["0.data.reason", "1.data.token", "1.data.latency_ms", "2.source"]);
  });

  test("sizes: an empty batch, more than 1000 events, an event over 16384 characters", async () => {
    expect(fields((await refused("/v1/ingest", [])).issues)).toEqual(["(body)"]);
    // Counted before any event is read (small elements, so that the body stays under this receiver's limit).
    expect((await refused("/v1/ingest", Array.from({ length: 1001 }, () => 0))).message).toContain("at most 1000");
    const big = { ...ok(), subject: "x".repeat(200), padding: "y".repeat(17_000) };
    expect(fields((await refused("/v1/ingest", [ok(), big])).issues)).toEqual(["1"]);
  });
});

describe("bodies that are not telemetry", () => {
  test("not JSON, not UTF-8, too deep, a NUL in a string", async () => {
    expect((await refused("/v1/ingest", "[{")).issues[0]!.message).toBe("is not valid JSON");
    const deep = "[".repeat(70) + "]".repeat(70);
    expect((await refused("/v1/ingest", deep)).issues[0]!.message).toContain("deeper than 64");
    const nul = ok();
    expect(fields((await refused("/v1/ingest", [{ ...nul, data: { ...nul.data, agent_id: "a\u0000b" } }])).issues)).toEqual(["0.data.agent_id"]);
    const res = await fetch(r.url + "/v1/ingest", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${gatewayKey}` }, body: new Uint8Array([0x5b, 0xff, 0x5d]) });
    expect(res.status).toBe(400);
    expect((await json(res)).error.details.issues[0].message).toBe("is not UTF-8");
  });

  test("another content type: 400 naming the header", async () => {
    const { issues } = await refused("/v1/ingest", JSON.stringify([ok()]), { "content-type": "text/plain" });
    expect(issues).toEqual([{ field: "content-type", location: "header", message: "expected application/json" } as Issue]);
  });

  test("an object that is not a packet", async () => {
    expect((await refused("/v1/ingest", { hello: "world" })).message).toContain('"source": "gateway"');
  });

  test("a body over RECEIVER_BODY_LIMIT_BYTES: 413", async () => {
    const res = await r.post("/v1/ingest", JSON.stringify([ok()]).padEnd(70_000, " "), `Bearer ${gatewayKey}`);
    expect(res.status).toBe(413);
    expect((await json(res)).error.code).toBe("payload_too_large");
  });
});

describe("packets", () => {
  test("a deep packet: its period and route stats", async () => {
    const packet = deepPacket({ end: new Date(), routes: { "/chat": { "200": 5, latency_p42: 1, "2000": 1 } } });
    const { issues } = await refused("/v1/ingest", { ...packet, period_start: new Date(Date.now() + 60_000).toISOString() });
    expect(fields(issues).sort()).toEqual(["business.routes./chat.2000", "business.routes./chat.latency_p42"]);
    const backwards = await refused("/v1/ingest", { ...deepPacket({ end: new Date() }), period_start: new Date(Date.now() + 60_000).toISOString() });
    expect(fields(backwards.issues)).toEqual(["period_start"]);
  });

  test("an SDK packet alone, and in an array (fields prefixed by the index)", async () => {
    const packet = sdkPacket({ end: new Date(), agent: "a" });
    expect(fields((await refused("/v1/telemetry", { ...packet, type: "agent.other" })).issues)).toEqual(["type"]);
    const bad = { ...packet, data: { ...packet.data, wallet: { usdc_balance_atomic: "-1" } } };
    const { issues, rejected } = await refused("/v1/telemetry", [packet, bad]);
    expect(fields(issues)).toEqual(["1.data.wallet.usdc_balance_atomic"]);
    expect(rejected).toEqual([1]);
  });
});

test("nothing of any refused request was written", async () => {
  await r.flushed();
  const [row] = await t.sql`SELECT (SELECT count(*) FROM telemetry_events)::int AS raw, (SELECT count(*) FROM payment_authorized)::int AS paid, (SELECT count(*) FROM agent_telemetry)::int AS agents`;
  expect(row).toEqual({ raw: 0, paid: 0, agents: 0 });
  expect(await (await fetch(r.url + "/metrics")).text()).toMatch(/telemetry_events_rejected_total\{reason="invalid"\} [1-9]/);
});
