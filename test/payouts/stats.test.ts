import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/app";
import { createUser, type TestUser } from "../support/fixtures";
import { earn, expectBalanced, fund, get, onchainSetup, post, postRecon } from "../support/ledger";

// GET /v1/vendor/stats: what a vendor earned (after the 1% platform fee), what it holds, what it
// was paid out, what it owes, and how fast its payments were. Reversed payments earn nothing.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ PLATFORM_FEE_BPS: "100", RATE_LIMIT_LINK_PER_MINUTE: "10000" });
});
afterAll(() => t.close());

const stats = async (vendor: TestUser) => {
  const r = await get(t, "/v1/vendor/stats", vendor.token);
  expect(r.status).toBe(200);
  return r.body;
};

async function requestPayout(vendor: TestUser, amount: bigint, reference: string): Promise<string> {
  const r = await post(t, "/v1/vendor/payout", vendor.token, { amount_atomic: amount.toString(), reference });
  expect(r.status).toBe(201);
  return r.body.id;
}

test("a vendor that earned nothing sees zeros and no latency", async () => {
  const vendor = await createUser(t, { profile: "vendor" });
  expect(await stats(vendor)).toEqual({
    revenue_atomic: "0",
    payment_count: 0,
    unsettled_atomic: "0",
    settled_atomic: "0",
    payouts_pending_atomic: "0",
    debt_atomic: "0",
    latency_ms: { avg: null, p50: null, p95: null },
    token_mint: t.config.USDC_MINT,
  });
});

test("revenue after fees, payment count, unsettled, settled and pending payouts add up", async () => {
  const vendor = await createUser(t, { profile: "vendor" });
  const other = await createUser(t, { profile: "vendor" });
  // Fees (1%, rounded down): 10_000 + 20_000 + 30_000 + 1 (199 * 1% = 1.99).
  for (const amount of [1_000_000n, 2_000_000n, 3_000_000n, 199n]) await earn(t, vendor.id, amount);
  await earn(t, other.id, 7_000_000n);
  // A refused payment earns nothing.
  const broke = await createUser(t, { profile: "agent" });
  await fund(t, broke.id, 10n);
  expect((await post(t, "/v1/agent/pay", broke.token, { to: vendor.id.toString(), amount_atomic: "11" })).status).toBe(402);

  const revenue = 6_000_199n - 60_001n;
  expect(await stats(vendor)).toMatchObject({
    revenue_atomic: revenue.toString(),
    payment_count: 4,
    unsettled_atomic: revenue.toString(),
    settled_atomic: "0",
    payouts_pending_atomic: "0",
    debt_atomic: "0",
  });

  const confirmed = await requestPayout(vendor, 1_000_000n, "s-1");
  await requestPayout(vendor, 500_000n, "s-2");
  const failed = await requestPayout(vendor, 200_000n, "s-3");
  expect(await stats(vendor)).toMatchObject({
    revenue_atomic: revenue.toString(),
    unsettled_atomic: (revenue - 1_700_000n).toString(),
    settled_atomic: "0",
    payouts_pending_atomic: "1700000",
  });

  expect((await postRecon(t, { type: "settlement.confirmed", payout_id: confirmed, tx_signature: "5Kconfirmed" })).body.status).toBe("processed");
  expect((await postRecon(t, { type: "settlement.failed", payout_id: failed, reason: "r" })).body.status).toBe("processed");
  expect(await stats(vendor)).toMatchObject({
    revenue_atomic: revenue.toString(),
    payment_count: 4,
    unsettled_atomic: (revenue - 1_500_000n).toString(),
    settled_atomic: "1000000",
    payouts_pending_atomic: "500000",
    debt_atomic: "0",
  });
  // Another vendor's money is its own.
  expect(await stats(other)).toMatchObject({ revenue_atomic: "6930000", payment_count: 1, unsettled_atomic: "6930000", settled_atomic: "0" });
  await expectBalanced(t);
});

test("latency: average, median and 95th percentile of the vendor's payments", async () => {
  const vendor = await createUser(t, { profile: "vendor" });
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) ids.push((await earn(t, vendor.id, 1_000n)).id);
  const first = await stats(vendor);
  expect(first.latency_ms.avg).toBeGreaterThanOrEqual(0);
  expect(first.latency_ms.p50).toBeLessThanOrEqual(first.latency_ms.p95);
  // Payments on this machine all take about a millisecond; known latencies make the figures checkable.
  const known = [10, 20, 30, 45];
  for (const [i, id] of ids.entries()) await t.sql`UPDATE transactions SET latency_ms = ${known[i]!} WHERE id = ${id}`;
  // percentile_cont interpolates: p50 = 25, p95 = 30 + 0.85 * 15 = 42.75.
  expect((await stats(vendor)).latency_ms).toEqual({ avg: 26.25, p50: 25, p95: 42.75 });
  await expectBalanced(t);
});

test("reversed payments are not revenue; a reversal after a payout shows as debt", async () => {
  const cast = await onchainSetup(t, { bond: 20_000_000n });
  await earn(t, cast.vendor.id, 1_000_000n); // credited 990_000
  const paid = await cast.submit(5_000_000n, 1n); // credited 4_950_000
  expect(paid.status).toBe(201);
  expect(await stats(cast.vendor)).toMatchObject({ revenue_atomic: "5940000", payment_count: 2, unsettled_atomic: "5940000" });

  await requestPayout(cast.vendor, 5_500_000n, "before-failure");
  const r = await postRecon(t, {
    type: "settlement.failed",
    intent_id: paid.body.transaction.intent_id,
    vendor_id: cast.vendor.id.toString(),
    amount: "5000000",
    reason: "insolvent",
  });
  expect(r.body.status).toBe("processed");
  // 440_000 was left unsettled; the remaining 4_510_000 of the reversal is owed.
  expect(await stats(cast.vendor)).toMatchObject({
    revenue_atomic: "990000",
    payment_count: 1,
    unsettled_atomic: "0",
    debt_atomic: "4510000",
    payouts_pending_atomic: "5500000",
    settled_atomic: "0",
  });
  await expectBalanced(t);
});

test("stats need a vendor: anonymous 401, agents and observers 403", async () => {
  expect((await fetch(t.url + "/v1/vendor/stats")).status).toBe(401);
  for (const user of [await createUser(t, { profile: "agent" }), await createUser(t)]) {
    const r = await get(t, "/v1/vendor/stats", user.token);
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe("operator_role_required");
  }
});
