import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { recordNotification } from "@/notifications";
import { startRealtime } from "@/realtime";
import { startTestApp, type TestApp } from "../support/app";
import { createUser, type TestUser } from "../support/fixtures";
import { json } from "../support/http";
import { fund, post } from "../support/ledger";
import { openStream, type Client } from "./sse-client";

// GET /v1/events with a real EventSource client: topics, authorization, resume, caps.

let t: TestApp;
let stopRealtime: () => Promise<void>;
let agent: TestUser;
let vendor: TestUser;
const clients: Client[] = [];
const open = (path: string, options?: Parameters<typeof openStream>[1]) => {
  const c = openStream(t.url + path, options);
  clients.push(c);
  return c;
};

beforeAll(async () => {
  t = await startTestApp({ SSE_MAX_CONNECTIONS_PER_USER: "2", SSE_HEARTBEAT_MS: "100" });
  stopRealtime = startRealtime(t.deps, { statsMs: 100 });
  agent = await createUser(t, { profile: "agent" });
  vendor = await createUser(t, { profile: "vendor" });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await stopRealtime();
  await t.close();
});

const pay = (amount: string) => post(t, "/v1/agent/pay", agent.token, { to: vendor.id.toString(), amount_atomic: amount });

describe("public topics", () => {
  test("a payment reaches ticker subscribers, anonymized, after a connected frame", async () => {
    await fund(t, agent.id, 50_000_000n);
    const c = open("/v1/events?topics=ticker");
    const connected = await c.waitFor((e) => e.type === "connected");
    expect(connected.data).toEqual({ topics: ["ticker"], resumed_from: null });
    const paid = await pay("1234567");
    expect(paid.status).toBe(201);
    const tick = await c.waitFor((e) => e.type === "ticker" && e.data.id === paid.body.transaction.id);
    expect(tick.data.amount_atomic).toBe("1234567");
    expect(tick.data.simulated).toBe(false);
    expect(Object.keys(tick.data).sort()).toEqual(
      ["amount_atomic", "created_at", "id", "lat", "latency_ms", "lng", "region", "service_id", "service_type", "simulated", "source", "token_mint"].sort(),
    );
    const text = JSON.stringify(tick.data);
    expect(text).not.toContain("agent_id");
    expect(text).not.toContain("vendor_id");
    expect(/^\d+$/.test(tick.id)).toBe(true);
    expect(BigInt(tick.id)).toBeGreaterThan(BigInt(connected.id || "0"));
  });

  test("stats arrive on their own, with the network's numbers", async () => {
    const c = open("/events?topics=stats");
    const stats = await c.waitFor((e) => e.type === "stats" && e.data.tx_count_24h >= 1);
    expect(stats.data.volume_24h_atomic).toMatch(/^\d+$/);
    expect(BigInt(stats.data.volume_24h_atomic)).toBeGreaterThanOrEqual(1234567n);
    expect(stats.data.active_agents_24h).toBeGreaterThanOrEqual(1);
  });

  test("a quiet stream gets heartbeat comments", async () => {
    const ac = new AbortController();
    const res = await fetch(t.url + "/v1/events?topics=ticker", { signal: ac.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    expect(res.headers.get("x-accel-buffering")).toBe("no");
    const reader = res.body!.getReader();
    let text = "";
    while (!text.includes(": heartbeat")) text += new TextDecoder().decode((await reader.read()).value);
    expect(text.startsWith("event: connected\n")).toBe(true);
    ac.abort();
  });

  test("unknown topics are a 400 naming the topic", async () => {
    const res = await fetch(t.url + "/v1/events?topics=ticker,secrets");
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error.code).toBe("invalid_request");
    expect(body.error.message).toContain("secrets");
  });
});

describe("private topics", () => {
  test("the owner gets payment.sent and balance.low through ?access_token=", async () => {
    const poor = await createUser(t, { profile: "agent" });
    await fund(t, poor.id, 5_500_000n);
    const c = open(`/v1/events?topics=user:${poor.id}&access_token=${poor.token}`);
    await c.waitFor((e) => e.type === "connected");
    const paid = await post(t, "/v1/agent/pay", poor.token, { to: vendor.id.toString(), amount_atomic: "1000000" });
    expect(paid.status).toBe(201);
    const sent = await c.waitFor((e) => e.type === "payment.sent");
    expect(sent.data.transaction.id).toBe(paid.body.transaction.id);
    expect(sent.data.balance.available_atomic).toBe("4500000");
    const low = await c.waitFor((e) => e.type === "balance.low");
    expect(low.data).toMatchObject({ available_atomic: "4500000", transaction_id: paid.body.transaction.id });
  });

  test("the vendor gets payment.received with the Authorization header", async () => {
    const c = open(`/v1/events?topics=user:${vendor.id}`, { headers: { authorization: `Bearer ${vendor.token}` } });
    await c.waitFor((e) => e.type === "connected");
    const paid = await pay("2000");
    const received = await c.waitFor((e) => e.type === "payment.received");
    expect(received.data.transaction).toMatchObject({ id: paid.body.transaction.id, amount_atomic: "2000", to_vendor_id: vendor.id.toString() });
  });

  test("another user's topic is refused with 403, before any stream opens", async () => {
    const c = open(`/v1/events?topics=ticker,user:${vendor.id}&access_token=${agent.token}`);
    expect((await c.waitForError()).code).toBe(403);
    expect(c.events).toHaveLength(0);
    expect(c.es.readyState).toBe(c.es.CLOSED);
    const res = await fetch(t.url + `/v1/events?topics=user:${vendor.id}`, { headers: { authorization: `Bearer ${agent.token}` } });
    expect(res.status).toBe(403);
    expect((await json(res)).error.code).toBe("forbidden");
  });

  test("no token is a 401, a bad token a 401, an API key in the URL a 401", async () => {
    expect((await fetch(t.url + `/v1/events?topics=user:${agent.id}`)).status).toBe(401);
    const bad = await fetch(t.url + `/v1/events?topics=user:${agent.id}&access_token=not.a.jwt`);
    expect(bad.status).toBe(401);
    expect((await json(bad)).error.code).toBe("invalid_token");
    const badHeader = await fetch(t.url + "/v1/events?topics=ticker", { headers: { authorization: "Bearer nope" } });
    expect(badHeader.status).toBe(401);
    const key = await fetch(t.url + `/v1/events?topics=user:${agent.id}&access_token=mp_sk_live_${"a".repeat(32)}`);
    expect(key.status).toBe(401);
  });

  test("committed notifications are relayed as their type; rolled-back ones never are", async () => {
    const c = open(`/v1/events?topics=user:${vendor.id}&access_token=${vendor.token}`, { types: ["test.rolled_back", "test.committed"] });
    await c.waitFor((e) => e.type === "connected");
    await t.sql
      .begin(async (tx) => {
        await recordNotification(tx, vendor.id, "test.rolled_back", { n: 1 });
        throw new Error("rollback");
      })
      .catch(() => {});
    await t.sql.begin((tx) => recordNotification(tx, vendor.id, "test.committed", { n: 2 }));
    const e = await c.waitFor((x) => x.type === "test.committed");
    expect(e.data.payload).toEqual({ n: 2 });
    expect(e.data.notification_id).toMatch(/^\d+$/);
    expect(c.events.some((x) => x.type === "test.rolled_back")).toBe(false);
  });
});

describe("resume and limits", () => {
  test("Last-Event-ID resumes with what was missed, and nothing seen before", async () => {
    const first = open("/v1/events?topics=ticker");
    await first.waitFor((e) => e.type === "connected");
    const a = await pay("3001");
    const seen = await first.waitFor((e) => e.type === "ticker" && e.data.id === a.body.transaction.id);
    first.close();
    const b = await pay("3002");
    const c2 = await pay("3003");
    const resumed = open("/v1/events?topics=ticker", { headers: { "last-event-id": seen.id } });
    const connected = await resumed.waitFor((e) => e.type === "connected");
    expect(connected.data.resumed_from).toBe(seen.id);
    await resumed.waitFor((e) => e.type === "ticker" && e.data.id === c2.body.transaction.id);
    const ids = resumed.events.filter((e) => e.type === "ticker").map((e) => e.data.id);
    expect(ids).toEqual([b.body.transaction.id, c2.body.transaction.id]);
  });

  test("a user holds at most SSE_MAX_CONNECTIONS_PER_USER streams; 429 beyond, with Retry-After", async () => {
    const user = await createUser(t);
    const path = `/v1/events?topics=user:${user.id}&access_token=${user.token}`;
    const one = open(path);
    const two = open(path);
    await one.waitFor((e) => e.type === "connected");
    await two.waitFor((e) => e.type === "connected");
    const third = await fetch(t.url + path);
    expect(third.status).toBe(429);
    expect(Number(third.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(third.headers.get("x-ratelimit-limit")).toBe("2");
    expect((await json(third)).error.code).toBe("too_many_streams");
    // Anonymous public streams are not counted against the user.
    expect((await fetch(t.url + "/v1/events?topics=ticker", { signal: AbortSignal.timeout(2000) })).status).toBe(200);
    two.close();
    let status = 429;
    for (let i = 0; i < 50 && status === 429; i++) {
      const res = await fetch(t.url + path, { signal: AbortSignal.timeout(2000) });
      status = res.status;
      if (status === 429) await Bun.sleep(20);
      else await res.body?.cancel();
    }
    expect(status).toBe(200);
  });

  // Found by the fuzzer: a HEAD opened a stream nobody would ever read or close, holding one of
  // the user's slots (and a heartbeat timer) until shutdown; the third HEAD answered 429.
  test("HEAD answers as GET would, without a stream: it holds no slot", async () => {
    const user = await createUser(t);
    const path = `/v1/events?topics=user:${user.id}&access_token=${user.token}`;
    for (let i = 0; i < 4; i++) {
      const head = await fetch(t.url + path, { method: "HEAD" });
      expect({ status: head.status, type: head.headers.get("content-type") }).toEqual({ status: 200, type: "text/event-stream" });
    }
    expect((await fetch(t.url + `/v1/events?topics=user:${agent.id}&access_token=${user.token}`, { method: "HEAD" })).status).toBe(403);
    const c = open(path);
    await c.waitFor((e) => e.type === "connected");
  });
});
