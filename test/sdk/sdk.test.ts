import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { atomicToUsdc, createMachPay, MachPayError, paginate, unwrap, usdcToAtomic, usdcToAtomicString } from "@machpay/sdk";
import { startTestApp, type TestApp } from "../support/app";
import { createUser } from "../support/fixtures";
import { createKey, expectBalanced, fund, insertService } from "../support/ledger";

// @machpay/sdk's hand-written conveniences, against the real app: credentials, Idempotency-Key,
// the error envelope as MachPayError, pagination and the SSE subscription.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

async function payingAgent(usdc: string) {
  const agent = await createUser(t, { profile: "agent" });
  const vendor = await createUser(t, { profile: "vendor" });
  const service = await insertService(t, vendor.id, `svc-${vendor.id}`);
  await fund(t, agent.id, usdcToAtomic(usdc));
  const apiKey = await createKey(t, agent.token, "agent");
  return { agent, vendor, service, mp: createMachPay({ baseUrl: t.url, apiKey }) };
}

describe("money helpers", () => {
  test("convert USDC decimals and atomic units exactly, refusing what would round", () => {
    expect(usdcToAtomic("1.5")).toBe(1_500_000n);
    expect(usdcToAtomic("0.000001")).toBe(1n);
    expect(usdcToAtomic(".25")).toBe(250_000n);
    expect(usdcToAtomicString("12")).toBe("12000000");
    expect(atomicToUsdc("1500000")).toBe("1.5");
    expect(atomicToUsdc(1n)).toBe("0.000001");
    expect(atomicToUsdc(0n)).toBe("0");
    expect(atomicToUsdc("90071992547409931")).toBe("90071992547.409931");
    expect(() => usdcToAtomic("0.0000001")).toThrow("more than 6 decimals");
    expect(() => usdcToAtomic("-1")).toThrow(RangeError);
    expect(() => usdcToAtomic("1e3")).toThrow(RangeError);
    expect(() => atomicToUsdc("1.5")).toThrow(RangeError);
  });
});

describe("createMachPay", () => {
  test("sends the API key and gives each money call its own Idempotency-Key", async () => {
    const { agent, service, mp } = await payingAgent("1");
    const first = await unwrap(mp.api.POST("/v1/agent/pay", { body: { to: service, amount_atomic: "10000" } }));
    const second = await unwrap(mp.api.POST("/v1/agent/pay", { body: { to: service, amount_atomic: "10000" } }));
    expect(first.transaction.id).not.toBe(second.transaction.id); // two keys: two payments
    expect(second.balance.available_atomic).toBe("980000");
    const me = await unwrap(mp.api.GET("/v1/me"));
    expect(me.user_id).toBe(String(agent.id));
    await expectBalanced(t);
  });

  test("a caller's own Idempotency-Key wins: a retry under it pays once", async () => {
    const { service, mp } = await payingAgent("1");
    const headers = { "Idempotency-Key": "retry-me-0001" };
    const first = await unwrap(mp.api.POST("/v1/agent/pay", { body: { to: service, amount_atomic: "250000" }, headers }));
    const again = await unwrap(mp.api.POST("/v1/agent/pay", { body: { to: service, amount_atomic: "250000" }, headers }));
    expect(again.transaction.id).toBe(first.transaction.id);
    const balance = await unwrap(mp.api.GET("/v1/agent/balance"));
    expect(balance.available_atomic).toBe("750000");
    await expectBalanced(t);
  });

  test("an error answer is a MachPayError with the envelope's code, status, request id and details", async () => {
    const { service, mp } = await payingAgent("0.01");
    const err: unknown = await unwrap(mp.api.POST("/v1/agent/pay", { body: { to: service, amount_atomic: "20000" } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MachPayError);
    const e = err as MachPayError;
    expect(e.code).toBe("insufficient_funds");
    expect(e.status).toBe(402);
    expect(e.requestId).toMatch(/^req_/);
    const bad = await unwrap(mp.api.POST("/v1/agent/pay", { body: { to: service, amount_atomic: "1.5" } })).then(() => null, (x: unknown) => x as MachPayError);
    expect(bad?.code).toBe("invalid_request");
    expect(bad?.status).toBe(400);
    expect(JSON.stringify(bad?.details)).toContain("amount_atomic");
    const anonymous = createMachPay({ baseUrl: t.url });
    const refused = await unwrap(anonymous.api.GET("/v1/agent/balance")).then(() => null, (x: unknown) => x as MachPayError);
    expect(refused?.status).toBe(401);
  });

  test("paginate walks every page of a list, in order", async () => {
    const { service, mp } = await payingAgent("1");
    const paid: string[] = [];
    for (let i = 0; i < 5; i++) paid.push((await unwrap(mp.api.POST("/v1/agent/pay", { body: { to: service, amount_atomic: String(1000 + i) } }))).transaction.id);
    const seen: string[] = [];
    let pages = 0;
    for await (const tx of paginate((cursor) => {
      pages++;
      return mp.api.GET("/v1/agent/transactions", { params: { query: { limit: 2, ...(cursor ? { cursor } : {}) } } });
    })) {
      seen.push(tx.id);
    }
    expect(pages).toBe(3);
    expect(seen.toSorted()).toEqual(paid.toSorted());
  });

  test("events() yields the stream's frames as JSON and resumes from Last-Event-ID", async () => {
    const agent = await createUser(t, { profile: "agent" });
    const own = createMachPay({ baseUrl: t.url, accessToken: agent.token });
    const topic = `user:${agent.id}`;
    const stop = new AbortController();
    const stream = own.events({ topics: [topic], signal: stop.signal });
    expect((await stream.next()).value?.event).toBe("connected");
    for (let i = 1; i <= 3; i++) t.deps.broker.publish(topic, "note", { i });
    const seen: { id: string | undefined; event: string; data: unknown }[] = [];
    for await (const e of stream) {
      seen.push(e);
      if (seen.length === 3) break;
    }
    stop.abort();
    expect(seen.map((e) => e.data)).toEqual([{ i: 1 }, { i: 2 }, { i: 3 }]);
    expect(seen.every((e) => e.event === "note" && e.id !== undefined)).toBe(true);
    // A new subscription from the first event's id replays the two after it from the server's history.
    const resumed = own.events({ topics: [topic], lastEventId: seen[0]!.id!, reconnect: false });
    const replayed: unknown[] = [];
    for await (const e of resumed) {
      if (e.event === "note") replayed.push(e.data);
      if (replayed.length === 2) break;
    }
    expect(replayed).toEqual([{ i: 2 }, { i: 3 }]);
  });

  test("events() reconnects after a dropped connection and resumes with Last-Event-ID: nothing lost, nothing twice", async () => {
    const agent = await createUser(t, { profile: "agent" });
    const topic = `user:${agent.id}`;
    const sent: (string | null)[] = [];
    // The first connection is cut right after the first "note" frame, as a proxy dropping it would.
    const cutting = async (input: string | URL | Request, init?: RequestInit) => {
      sent.push(new Headers(init?.headers).get("last-event-id"));
      const res = await fetch(input, init);
      if (sent.length > 1 || !res.body) return res;
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let text = "";
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const { value, done } = await reader.read();
          if (done) return controller.close();
          const before = text.length;
          text += decoder.decode(value, { stream: true });
          const note = text.indexOf("event: note");
          const end = note < 0 ? -1 : text.indexOf("\n\n", note);
          if (end < 0) return controller.enqueue(value);
          controller.enqueue(new TextEncoder().encode(text.slice(before, end + 2)));
          await reader.cancel();
          controller.close();
        },
      });
      return new Response(body, { status: res.status, headers: res.headers });
    };
    const own = createMachPay({ baseUrl: t.url, accessToken: agent.token, fetch: cutting as typeof fetch });
    const stop = new AbortController();
    const stream = own.events({ topics: [topic], signal: stop.signal, retryMs: 50 });
    expect((await stream.next()).value?.event).toBe("connected");
    for (let i = 1; i <= 3; i++) t.deps.broker.publish(topic, "note", { i });
    const notes: unknown[] = [];
    for await (const e of stream) {
      if (e.event === "note") notes.push(e.data);
      if (notes.length === 3) break;
    }
    stop.abort();
    expect(notes).toEqual([{ i: 1 }, { i: 2 }, { i: 3 }]);
    expect(sent.length).toBe(2);
    expect(sent[0]).toBeNull();
    expect(sent[1]).toMatch(/\d/);
  });

  test("events() refuses another user's topic with a MachPayError", async () => {
    const agent = await createUser(t, { profile: "agent" });
    const own = createMachPay({ baseUrl: t.url, accessToken: agent.token });
    const err = await own.events({ topics: [`user:${agent.id + 1000n}`] }).next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MachPayError);
    expect((err as MachPayError).status).toBe(403);
  });
});
