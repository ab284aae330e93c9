import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/app";
import { createUser, type TestUser } from "../support/fixtures";
import { fund, get, post } from "../support/ledger";

// GET /v1/vendor/revenue (the account page's chart): the ledger's revenue split by UTC hour or
// day, empty buckets included, the vendor's own payments only.

let t: TestApp;
let agent: TestUser;
let vendor: TestUser;
let other: TestUser;

beforeAll(async () => {
  t = await startTestApp();
  [agent, vendor, other] = await Promise.all([createUser(t, { profile: "agent" }), createUser(t, { profile: "vendor" }), createUser(t, { profile: "vendor" })]);
  await fund(t, agent.id, 20_000_000n);
});
afterAll(() => t.close());

const pay = async (to: TestUser, amount: string) =>
  expect((await post(t, "/v1/agent/pay", agent.token, { to: to.id.toString(), amount_atomic: amount }, { "idempotency-key": crypto.randomUUID() })).status).toBe(201);

test("hourly over 24 h and daily over 7 and 30 days, adding up to the stats' revenue", async () => {
  await pay(vendor, "1000000");
  await pay(vendor, "234567");
  await pay(other, "999");
  // A payment two days earlier, written as the ledger would have (created_at is the commit's time).
  await pay(vendor, "50000");
  await t.sql`UPDATE transactions SET created_at = created_at - interval '2 days' WHERE amount_atomic = 50000`;

  const stats = (await get(t, "/v1/vendor/stats", vendor.token)).body;
  const day = (await get(t, "/v1/vendor/revenue?period=24h", vendor.token)).body;
  expect(day.unit).toBe("hour");
  expect(day.buckets).toHaveLength(24);
  expect(day.buckets.every((b: { start: string }) => b.start.endsWith(":00:00.000Z"))).toBe(true);
  const sum = (s: { buckets: { revenue_atomic: string }[] }) => s.buckets.reduce((a, b) => a + BigInt(b.revenue_atomic), 0n);
  const week = (await get(t, "/v1/vendor/revenue", vendor.token)).body;
  expect(week).toMatchObject({ period: "7d", unit: "day", token_mint: t.config.USDC_MINT });
  expect(week.buckets).toHaveLength(7);
  expect(sum(week)).toBe(BigInt(stats.revenue_atomic));
  // The last 24 hours miss the older payment; the current bucket holds today's.
  expect(sum(day)).toBe(BigInt(stats.revenue_atomic) - sum({ buckets: [week.buckets[4]] }));
  expect(week.buckets.map((b: { payment_count: number }) => b.payment_count)).toEqual([0, 0, 0, 0, 1, 0, 2]);
  expect((await get(t, "/v1/vendor/revenue?period=30d", vendor.token)).body.buckets).toHaveLength(30);
});

test("a bad period is a 400 naming it; an agent is refused", async () => {
  const bad = await get(t, "/v1/vendor/revenue?period=1y", vendor.token);
  expect(bad.status).toBe(400);
  expect(JSON.stringify(bad.body.error.details)).toContain("period");
  expect((await get(t, "/v1/vendor/revenue", agent.token)).status).toBe(403);
});
