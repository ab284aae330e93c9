import { afterAll, beforeAll, expect, test } from "bun:test";
import { generateSigningJwk } from "@/auth";
import { recordNotification } from "@/notifications";
import { startRealtime } from "@/realtime";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { createUser } from "../support/fixtures";
import { fund, post } from "../support/ledger";
import { openStream, type Client } from "./sse-client";

// BROKER=postgres: two server instances on one database; what one publishes reaches the SSE
// clients of the other, with ids and history shared through the database.

let db: TestDatabase;
let a: TestApp;
let b: TestApp;
const stops: (() => Promise<void>)[] = [];
const clients: Client[] = [];
const open = (app: TestApp, path: string, options?: Parameters<typeof openStream>[1]) => {
  const c = openStream(app.url + path, options);
  clients.push(c);
  return c;
};

beforeAll(async () => {
  db = await createTestDatabase();
  // One signing key, as instances of one deployment share: a token from one works on the other.
  const env = { BROKER: "postgres", JWT_PRIVATE_KEY: JSON.stringify(await generateSigningJwk()) };
  a = await startTestApp(env, { db });
  b = await startTestApp(env, { db });
  stops.push(startRealtime(a.deps), startRealtime(b.deps));
});
afterAll(async () => {
  for (const c of clients) c.close();
  for (const stop of stops) await stop();
  for (const app of [a, b]) {
    await app.deps.broker.close();
    await app.close();
  }
  await db.drop();
});

test("a payment made on one instance reaches a ticker client of the other, and its private topic", async () => {
  const agent = await createUser(a, { profile: "agent" });
  const vendor = await createUser(a, { profile: "vendor" });
  await fund(a, agent.id, 10_000_000n);
  const ticker = open(b, "/v1/events?topics=ticker");
  const mine = open(b, `/v1/events?topics=user:${vendor.id}&access_token=${vendor.token}`);
  await ticker.waitFor((e) => e.type === "connected");
  await mine.waitFor((e) => e.type === "connected");
  const paid = await post(a, "/v1/agent/pay", agent.token, { to: vendor.id.toString(), amount_atomic: "777" });
  expect(paid.status).toBe(201);
  const tick = await ticker.waitFor((e) => e.type === "ticker" && e.data.id === paid.body.transaction.id);
  expect(tick.data.amount_atomic).toBe("777");
  const received = await mine.waitFor((e) => e.type === "payment.received");
  expect(received.data.transaction.id).toBe(paid.body.transaction.id);
});

test("events over NOTIFY's 8000-byte limit travel through the table, in order", async () => {
  const c = open(b, "/v1/events?topics=ticker");
  await c.waitFor((e) => e.type === "connected");
  const big = "y".repeat(20_000);
  a.deps.broker.publish("ticker", "ticker", { n: 1, big });
  a.deps.broker.publish("ticker", "ticker", { n: 2 });
  await c.waitFor((e) => e.type === "ticker" && e.data.n === 2);
  const got = c.events.filter((e) => e.type === "ticker" && typeof e.data.n === "number");
  expect(got.map((e) => e.data.n)).toEqual([1, 2]);
  expect(got[0]!.data.big).toHaveLength(20_000);
  expect(BigInt(got[1]!.id)).toBeGreaterThan(BigInt(got[0]!.id));
});

test("history is shared: an id seen on one instance resumes on the other", async () => {
  const onA = open(a, "/v1/events?topics=ticker");
  await onA.waitFor((e) => e.type === "connected");
  a.deps.broker.publish("ticker", "ticker", { mark: "seen" });
  const seen = await onA.waitFor((e) => e.data.mark === "seen");
  onA.close();
  a.deps.broker.publish("ticker", "ticker", { mark: "missed" });
  const onB = open(b, "/v1/events?topics=ticker", { headers: { "last-event-id": seen.id } });
  const missed = await onB.waitFor((e) => e.data.mark === "missed");
  expect(BigInt(missed.id)).toBeGreaterThan(BigInt(seen.id));
  expect(onB.events.some((e) => e.data.mark === "seen")).toBe(false);
});

test("a notification is relayed once, though both instances relay", async () => {
  const user = await createUser(a);
  const c = open(b, `/v1/events?topics=user:${user.id}&access_token=${user.token}`, { types: ["test.once", "test.after"] });
  await c.waitFor((e) => e.type === "connected");
  await a.sql.begin((tx) => recordNotification(tx, user.id, "test.once", {}));
  await c.waitFor((e) => e.type === "test.once");
  await a.sql.begin((tx) => recordNotification(tx, user.id, "test.after", {}));
  await c.waitFor((e) => e.type === "test.after");
  expect(c.events.filter((e) => e.type === "test.once")).toHaveLength(1);
});
