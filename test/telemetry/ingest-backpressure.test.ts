import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/app";
import { createUser, type TestUser } from "../support/fixtures";
import { json } from "../support/http";
import { createKey } from "../support/ledger";
import { linkedDevice } from "../support/pairing";
import { startPgProxy, type PgProxy } from "../support/pg-proxy";
import { postSigned, startTestReceiver, type TestReceiver } from "../support/receiver";
import type { TestWallet } from "../support/solana-keys";
import { paymentAuthorized } from "../support/telemetry-shapes";

// The write queue is bounded: a request that would pass the bound is refused whole (429 with
// Retry-After) and nothing of it is taken; what was accepted is written once flushing resumes,
// including after the database was away.

let t: TestApp;
let vendor: TestUser;
let device: TestWallet;
let gatewayKey: string;

beforeAll(async () => {
  t = await startTestApp({ RATE_LIMIT_LINK_PER_MINUTE: "1000" });
  vendor = await createUser(t, { profile: "vendor" });
  device = await linkedDevice(t, vendor.token, "vendor");
  gatewayKey = await createKey(t, vendor.token, "gateway");
});
afterAll(() => t.close());

const events = (n: number, gateway: string) => Array.from({ length: n }, (_, i) => paymentAuthorized({ time: new Date(), gateway, agent: `agent-${i}`, amount: 1 }));
const rowsOf = async (gateway: string) => Number((await t.sql`SELECT count(*)::int AS n FROM payment_authorized WHERE gateway_id = ${gateway}`)[0]!.n);

async function gauge(r: TestReceiver, name: string): Promise<number> {
  const text = await (await fetch(r.url + "/metrics")).text();
  return Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1]);
}

describe("a full queue (flushing held)", () => {
  let r: TestReceiver;
  beforeAll(async () => {
    r = await startTestReceiver(t, { RECEIVER_QUEUE_MAX_EVENTS: "10" });
    r.built.telemetry.ingest.queue.pause();
  });
  afterAll(() => r.close());

  test("429 with Retry-After once a request would pass the bound; the bound is never passed", async () => {
    const queue = r.built.telemetry.ingest.queue;
    expect((await r.post("/v1/ingest", events(4, "gw-full"), `Bearer ${gatewayKey}`)).status).toBe(202);
    expect((await r.post("/v1/ingest", events(4, "gw-full"), `Bearer ${gatewayKey}`)).status).toBe(202);
    const full = await r.post("/v1/ingest", events(4, "gw-full"), `Bearer ${gatewayKey}`);
    expect(full.status).toBe(429);
    expect(Number(full.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await json(full)).error.code).toBe("ingest_queue_full");
    // All or nothing: 2 more fit exactly, not one of the refused 4 was taken.
    expect(queue.depth().events).toBe(8);
    expect((await r.post("/v1/ingest", events(2, "gw-full"), `Bearer ${gatewayKey}`)).status).toBe(202);
    expect((await postSigned(r, "/v1/ingest", events(1, "gw-full"), device)).status).toBe(429);
    expect(queue.depth().events).toBe(10);

    // Many at once: whatever the interleaving, the queue holds at most its bound.
    const replies = await Promise.all(Array.from({ length: 30 }, () => r.post("/v1/ingest", events(3, "gw-full"), `Bearer ${gatewayKey}`)));
    expect(replies.every((res) => res.status === 429)).toBe(true);
    expect(queue.depth().events).toBe(10);
    expect(await gauge(r, "telemetry_queue_events")).toBe(10);
  });

  test("resumed: exactly the accepted events are written", async () => {
    r.built.telemetry.ingest.queue.resume();
    await r.flushed();
    expect(await rowsOf("gw-full")).toBe(10);
    expect(await gauge(r, "telemetry_queue_events")).toBe(0);
    const text = await (await fetch(r.url + "/metrics")).text();
    expect(text).toMatch(/telemetry_events_rejected_total\{reason="queue_full"\} 95\b/);
  });
});

test("the byte bound refuses a request as the event bound does", async () => {
  const r = await startTestReceiver(t, { RECEIVER_QUEUE_MAX_BYTES: "2048" });
  try {
    r.built.telemetry.ingest.queue.pause();
    expect((await r.post("/v1/ingest", events(2, "gw-bytes"), `Bearer ${gatewayKey}`)).status).toBe(202);
    expect((await r.post("/v1/ingest", events(4, "gw-bytes"), `Bearer ${gatewayKey}`)).status).toBe(429);
    expect(r.built.telemetry.ingest.queue.depth().bytes).toBeLessThanOrEqual(2048);
    r.built.telemetry.ingest.queue.resume();
    await r.flushed();
    expect(await rowsOf("gw-bytes")).toBe(2);
  } finally {
    await r.close();
  }
});

test("a graceful shutdown writes what the queue holds", async () => {
  const r = await startTestReceiver(t);
  r.built.telemetry.ingest.queue.pause();
  expect((await r.post("/v1/ingest", events(7, "gw-shutdown"), `Bearer ${gatewayKey}`)).status).toBe(202);
  expect(await rowsOf("gw-shutdown")).toBe(0);
  await r.close();
  expect(await rowsOf("gw-shutdown")).toBe(7);
});

describe("the database away", () => {
  let proxy: PgProxy;
  let r: TestReceiver;
  beforeAll(async () => {
    proxy = await startPgProxy(new URL(t.config.DATABASE_URL));
    r = await startTestReceiver(t, { RECEIVER_QUEUE_MAX_EVENTS: "20" }, { databaseUrl: proxy.url(t.db.name) });
    // Both credentials seen once while the database answers.
    expect((await r.post("/v1/ingest", events(1, "gw-down"), `Bearer ${gatewayKey}`)).status).toBe(202);
    expect((await postSigned(r, "/v1/ingest", events(1, "gw-down"), device)).status).toBe(202);
    await r.flushed();
  });
  afterAll(async () => {
    proxy.setDown(false);
    await r.close();
    await proxy.close();
  });

  test("accepted events are held up to the bound, then 429; written once it is back, none lost", async () => {
    proxy.setDown(true);
    // Past auth's 2 s key cache: the key still works from the receiver's last confirmation.
    await Bun.sleep(2100);
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < 12; i++) {
      const res = i % 2 === 0 ? await r.post("/v1/ingest", events(2, "gw-down"), `Bearer ${gatewayKey}`) : await postSigned(r, "/v1/ingest", events(2, "gw-down"), device);
      if (res.status === 202) accepted += 2;
      else {
        expect(res.status).toBe(429);
        refused += 2;
      }
      expect(r.built.telemetry.ingest.queue.depth().events).toBeLessThanOrEqual(20);
    }
    expect(accepted).toBe(20);
    expect(refused).toBe(4);
    expect(await rowsOf("gw-down")).toBe(2);

    proxy.setDown(false);
    await r.flushed();
    expect(await rowsOf("gw-down")).toBe(22);
    const text = await (await fetch(r.url + "/metrics")).text();
    expect(text).not.toMatch(/telemetry_events_dropped_total\{/);
  }, 20_000);
});
