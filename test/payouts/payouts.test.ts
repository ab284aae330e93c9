import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { manualClock } from "@/core/clock";
import { encodeCursor } from "@/core/cursor";
import { startTestApp, type TestApp } from "../support/app";
import { createUser, type TestUser } from "../support/fixtures";
import { createKey, earn, expectBalanced, fund, get, notificationsOf, post, vendorRow } from "../support/ledger";

// Vendor payouts (issue 5 item 3): a payout reserves its amount out of the unsettled balance in a
// PENDING row, exactly once, never more than the vendor holds. PLATFORM_FEE_BPS is 0 here, so a
// vendor's earnings are exactly what it was paid.

const clock = manualClock(new Date("2026-03-02T10:00:00Z"));
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { clock });
});
afterAll(() => t.close());

const PROFILE_WALLET = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin";
const OTHER_WALLET = "7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV";

/** A vendor that earned `amount` atomic units. */
async function vendorWith(amount: bigint): Promise<TestUser> {
  const vendor = await createUser(t, { profile: "vendor" });
  if (amount > 0n) await earn(t, vendor.id, amount);
  return vendor;
}

const payout = (vendor: TestUser, body: unknown, headers: Record<string, string> = {}, path = "/v1/vendor/payout") => post(t, path, vendor.token, body, headers);

async function payoutRows(vendorId: bigint) {
  return t.sql<{ id: string; amount_atomic: bigint; status: string; reference: string }[]>`
    SELECT id, amount_atomic, status, reference FROM payouts WHERE vendor_id = ${vendorId} ORDER BY created_at, id`;
}

/** Nothing was written for the vendor: balance as before, no payout, no notification. */
async function expectUntouched(vendor: TestUser, unsettled: bigint) {
  expect((await vendorRow(t, vendor.id)).unsettled).toBe(unsettled);
  expect(await payoutRows(vendor.id)).toHaveLength(0);
  expect(await notificationsOf(t, vendor.id)).toHaveLength(0);
}

const issueFields = (body: any): string[] => (body.error?.details?.issues ?? []).map((i: { field: string }) => i.field);

describe("POST /v1/vendor/payout", () => {
  test("a decimal amount reserves exactly its atomic units in a PENDING payout to the profile's wallet", async () => {
    const vendor = await vendorWith(750_000_000n);
    const r = await payout(vendor, { amount: "500.00", reference: "payout_001" });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      vendor_id: vendor.id.toString(),
      amount_atomic: "500000000",
      amount: "500.000000",
      token_mint: t.config.USDC_MINT,
      destinationWallet: PROFILE_WALLET,
      reference: "payout_001",
      status: "PENDING",
      tx_hash: null,
      failure_reason: null,
    });
    expect(r.body.id).toMatch(/^po_/);
    expect((await vendorRow(t, vendor.id)).unsettled).toBe(250_000_000n);
    expect([...(await payoutRows(vendor.id))]).toEqual([{ id: r.body.id, amount_atomic: 500_000_000n, status: "PENDING", reference: "payout_001" }]);
    expect((await notificationsOf(t, vendor.id)).map((n) => n.type)).toEqual(["payout.requested"]);
    const report = await expectBalanced(t);
    expect(BigInt(report.mints[0].holdings.payouts_open_atomic)).toBeGreaterThanOrEqual(500_000_000n);
  });

  test("a JSON number with decimals converts exactly; amount_atomic is taken as is", async () => {
    const vendor = await vendorWith(1_000_000_000n);
    const a = await payout(vendor, { amount: 500.5, reference: "num" });
    expect(a.status).toBe(201);
    expect(a.body.amount_atomic).toBe("500500000");
    const b = await payout(vendor, { amount: 0.000001, reference: "tiny" });
    expect(b.status).toBe(201);
    expect(b.body.amount_atomic).toBe("1");
    const c = await payout(vendor, { amount_atomic: "123456789", reference: "atomic" });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ amount_atomic: "123456789", amount: "123.456789" });
    expect((await vendorRow(t, vendor.id)).unsettled).toBe(1_000_000_000n - 500_500_000n - 1n - 123_456_789n);
    await expectBalanced(t);
  });

  test("a JSON number too large to carry its decimals exactly is refused, never rounded; a string is exact", async () => {
    // 12345678901.123456 parses to the double 12345678901.123455...: reserving it would move a unit
    // the vendor did not ask for. 1234567890123.45678 has 5 decimals but parses to 4 of them.
    const vendor = await vendorWith(5_000_000n);
    for (const raw of ["12345678901.123456", "1234567890123.45678", "100000000000.0000001", "1000000000"]) {
      const res = await fetch(t.url + "/v1/vendor/payout", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${vendor.token}` },
        body: `{"amount": ${raw}, "reference": "huge"}`,
      });
      const body = (await res.json()) as any;
      expect(res.status).toBe(400);
      expect(issueFields(body)).toContain("amount");
    }
    // The same amount as a string converts exactly (and is then simply more than the vendor has).
    const asString = await payout(vendor, { amount: "12345678901.123456", reference: "huge" });
    expect(asString.status).toBe(402);
    expect(asString.body.error.details.amount_atomic).toBe("12345678901123456");
    // Beyond int8 an atomic amount is malformed, not merely unaffordable.
    const overflow = await payout(vendor, { amount_atomic: "9223372036854775808", reference: "huge" });
    expect(overflow.status).toBe(400);
    expect(issueFields(overflow.body)).toEqual(["amount_atomic"]);
    await expectUntouched(vendor, 5_000_000n);
    await expectBalanced(t);
  });

  test("the alias POST /v1/vendor/withdraw reserves the same way", async () => {
    const vendor = await vendorWith(3_000_000n);
    const r = await payout(vendor, { amount: "1.25", reference: "w-1" }, {}, "/v1/vendor/withdraw");
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ amount_atomic: "1250000", status: "PENDING", reference: "w-1", destinationWallet: PROFILE_WALLET });
    expect((await vendorRow(t, vendor.id)).unsettled).toBe(1_750_000n);
    // The reference space is the vendor's, whichever path was used.
    const again = await payout(vendor, { amount: "1", reference: "w-1" });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("duplicate_reference");
    expect((await vendorRow(t, vendor.id)).unsettled).toBe(1_750_000n);
    await expectBalanced(t);
  });

  test("more decimals than the mint has, or no amount at all, is a 400 naming amount and writes nothing", async () => {
    const vendor = await vendorWith(5_000_000n);
    for (const amount of ["1.0000001", 0.0000001, 1.0000001, "0.0000000", "1e3", "-1", "1,5", "", " ", "abc", "0", "0.000000", 0, -2]) {
      const r = await payout(vendor, { amount, reference: "bad" });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("invalid_request");
      expect(issueFields(r.body)).toContain("amount");
    }
    for (const amount_atomic of ["0", "1.5", "-1", "", "1e6", "12345678901234567890"]) {
      const r = await payout(vendor, { amount_atomic, reference: "bad" });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("invalid_request");
      expect(issueFields(r.body).some((f) => f.startsWith("amount"))).toBe(true);
    }
    const both = await payout(vendor, { amount: "1", amount_atomic: "1000000", reference: "bad" });
    expect(both.status).toBe(400);
    expect(issueFields(both.body)).toContain("amount");
    const neither = await payout(vendor, { reference: "bad" });
    expect(neither.status).toBe(400);
    expect(issueFields(neither.body)).toContain("amount");
    const noReference = await payout(vendor, { amount: "1" });
    expect(noReference.status).toBe(400);
    expect(issueFields(noReference.body)).toContain("reference");
    await expectUntouched(vendor, 5_000_000n);
    await expectBalanced(t);
  });

  test("an amount above the unsettled balance is 402 insufficient_funds and writes nothing; exactly all of it is fine", async () => {
    const vendor = await vendorWith(2_000_000n);
    const r = await payout(vendor, { amount_atomic: "2000001", reference: "too-much" });
    expect(r.status).toBe(402);
    expect(r.body.error).toMatchObject({ code: "insufficient_funds", details: { unsettled_atomic: "2000000", amount_atomic: "2000001" } });
    await expectUntouched(vendor, 2_000_000n);
    // The refused reference was not spent.
    const all = await payout(vendor, { amount: "2", reference: "too-much" });
    expect(all.status).toBe(201);
    expect((await vendorRow(t, vendor.id)).unsettled).toBe(0n);
    const more = await payout(vendor, { amount_atomic: "1", reference: "one-more" });
    expect(more.status).toBe(402);
    expect((await vendorRow(t, vendor.id)).unsettled).toBe(0n);
    await expectBalanced(t);
  });

  test("a vendor that earned nothing cannot withdraw anything", async () => {
    const vendor = await vendorWith(0n);
    const r = await payout(vendor, { amount_atomic: "1", reference: "nothing" });
    expect(r.status).toBe(402);
    expect(r.body.error.code).toBe("insufficient_funds");
    await expectUntouched(vendor, 0n);
    await expectBalanced(t);
  });

  test("reference is unique per vendor: the same vendor gets 409 duplicate_reference, another vendor may reuse it", async () => {
    const vendor = await vendorWith(10_000_000n);
    const other = await vendorWith(10_000_000n);
    const first = await payout(vendor, { amount: "1", reference: "invoice-42" });
    expect(first.status).toBe(201);
    const dup = await payout(vendor, { amount: "2", reference: "invoice-42" });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: "duplicate_reference", details: { payout_id: first.body.id } });
    // Surrounding spaces do not make a new reference.
    const spaced = await payout(vendor, { amount: "2", reference: " invoice-42 " });
    expect(spaced.status).toBe(409);
    expect((await vendorRow(t, vendor.id)).unsettled).toBe(9_000_000n);
    expect(await payoutRows(vendor.id)).toHaveLength(1);
    const reused = await payout(other, { amount: "3", reference: "invoice-42" });
    expect(reused.status).toBe(201);
    expect((await vendorRow(t, other.id)).unsettled).toBe(7_000_000n);
    await expectBalanced(t);
  });

  test("the same reference requested concurrently is reserved once", async () => {
    const vendor = await vendorWith(10_000_000n);
    const results = await Promise.all(Array.from({ length: 10 }, () => payout(vendor, { amount: "1", reference: "race" })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.error.code === "duplicate_reference")).toBe(true);
    expect(results.filter((r) => r.status === 409)).toHaveLength(9);
    expect((await vendorRow(t, vendor.id)).unsettled).toBe(9_000_000n);
    await expectBalanced(t);
  });

  test("destinationWallet: a given wallet is used, a malformed one is 400 and writes nothing", async () => {
    const vendor = await vendorWith(10_000_000n);
    const given = await payout(vendor, { amount: "1", reference: "to-other", destinationWallet: OTHER_WALLET });
    expect(given.status).toBe(201);
    expect(given.body.destinationWallet).toBe(OTHER_WALLET);
    for (const destinationWallet of ["not-a-wallet", "0OIl0OIl0OIl0OIl0OIl0OIl0OIl0OIl", "", PROFILE_WALLET + "x", 42]) {
      const r = await payout(vendor, { amount: "1", reference: "bad-wallet", destinationWallet });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("invalid_request");
      expect(issueFields(r.body)).toContain("destinationWallet");
    }
    expect((await vendorRow(t, vendor.id)).unsettled).toBe(9_000_000n);
    expect(await payoutRows(vendor.id)).toHaveLength(1);
    await expectBalanced(t);
  });

  test("agents, observers, read-only keys and anonymous callers cannot request payouts or read vendor data", async () => {
    const vendor = await vendorWith(5_000_000n);
    const agent = await createUser(t, { profile: "agent" });
    const observer = await createUser(t);
    const readOnly = await createKey(t, vendor.token, "gateway", ["read"]);
    for (const path of ["/v1/vendor/payout", "/v1/vendor/withdraw"]) {
      for (const token of [agent.token, observer.token]) {
        const r = await post(t, path, token, { amount: "1", reference: "nope" });
        expect(r.status).toBe(403);
        expect(r.body.error.code).toBe("operator_role_required");
      }
      const key = await post(t, path, readOnly, { amount: "1", reference: "nope" });
      expect(key.status).toBe(403);
      expect(key.body.error.code).toBe("insufficient_permissions");
      const anonymous = await fetch(t.url + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ amount: "1", reference: "nope" }) });
      expect(anonymous.status).toBe(401);
    }
    for (const path of ["/v1/vendor/payouts", "/v1/vendor/stats"]) {
      for (const token of [agent.token, observer.token]) {
        const r = await get(t, path, token);
        expect(r.status).toBe(403);
        expect(r.body.error.code).toBe("operator_role_required");
      }
      expect((await get(t, path, readOnly)).status).toBe(200);
    }
    expect((await vendorRow(t, vendor.id)).unsettled).toBe(5_000_000n);
    expect(await payoutRows(vendor.id)).toHaveLength(0);
    await expectBalanced(t);
  });

  test("a write key of the vendor may request a payout", async () => {
    const vendor = await vendorWith(5_000_000n);
    const key = await createKey(t, vendor.token, "gateway", ["read", "write"]);
    const r = await post(t, "/v1/vendor/payout", key, { amount: "1", reference: "by-key" });
    expect(r.status).toBe(201);
    expect(r.body.vendor_id).toBe(vendor.id.toString());
    expect((await vendorRow(t, vendor.id)).unsettled).toBe(4_000_000n);
    await expectBalanced(t);
  });
});

describe("Idempotency-Key on payouts", () => {
  test("a retry with the same key and body replays the payout without a second reservation", async () => {
    const vendor = await vendorWith(10_000_000n);
    const body = { amount: "4", reference: "idem-1" };
    const first = await payout(vendor, body, { "idempotency-key": "po-key-1" });
    expect(first.status).toBe(201);
    const second = await payout(vendor, body, { "idempotency-key": "po-key-1" });
    expect(second.status).toBe(201);
    expect(second.res.headers.get("idempotent-replayed")).toBe("true");
    expect(second.body).toEqual(first.body);
    expect((await vendorRow(t, vendor.id)).unsettled).toBe(6_000_000n);
    expect(await payoutRows(vendor.id)).toHaveLength(1);
    await expectBalanced(t);
  });

  test("one key on /payout and on its alias /withdraw is one request: the second replays the first", async () => {
    const vendor = await vendorWith(10_000_000n);
    const body = { amount: "4", reference: "idem-alias" };
    const first = await payout(vendor, body, { "idempotency-key": "po-key-alias" });
    expect(first.status).toBe(201);
    const viaAlias = await payout(vendor, body, { "idempotency-key": "po-key-alias" }, "/v1/vendor/withdraw");
    expect(viaAlias.status).toBe(201);
    expect(viaAlias.res.headers.get("idempotent-replayed")).toBe("true");
    expect(viaAlias.body).toEqual(first.body);
    expect(await payoutRows(vendor.id)).toHaveLength(1);
    await expectBalanced(t);
  });

  test("the same key with a different body is 409 idempotency_conflict and reserves nothing", async () => {
    const vendor = await vendorWith(10_000_000n);
    const first = await payout(vendor, { amount: "4", reference: "idem-2" }, { "idempotency-key": "po-key-2" });
    expect(first.status).toBe(201);
    for (const body of [{ amount: "5", reference: "idem-2" }, { amount: "4", reference: "idem-2b" }, { amount_atomic: "4000000", reference: "idem-2" }]) {
      const r = await payout(vendor, body, { "idempotency-key": "po-key-2" });
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe("idempotency_conflict");
    }
    expect((await vendorRow(t, vendor.id)).unsettled).toBe(6_000_000n);
    expect(await payoutRows(vendor.id)).toHaveLength(1);
    await expectBalanced(t);
  });

  test("a refusal is the first answer too: the same key replays the 402 even after the vendor earned enough", async () => {
    const vendor = await vendorWith(1_000_000n);
    const body = { amount: "2", reference: "idem-3" };
    const refused = await payout(vendor, body, { "idempotency-key": "po-key-3" });
    expect(refused.status).toBe(402);
    await earn(t, vendor.id, 5_000_000n);
    const replay = await payout(vendor, body, { "idempotency-key": "po-key-3" });
    expect(replay.status).toBe(402);
    expect(replay.body.error.code).toBe("insufficient_funds");
    expect(await payoutRows(vendor.id)).toHaveLength(0);
    // A new key is a new request.
    const fresh = await payout(vendor, body, { "idempotency-key": "po-key-3b" });
    expect(fresh.status).toBe(201);
    expect((await vendorRow(t, vendor.id)).unsettled).toBe(4_000_000n);
    await expectBalanced(t);
  });

  test("keys are per user: two vendors may use the same key", async () => {
    const a = await vendorWith(3_000_000n);
    const b = await vendorWith(3_000_000n);
    const ra = await payout(a, { amount: "1", reference: "shared" }, { "idempotency-key": "shared-key" });
    const rb = await payout(b, { amount: "1", reference: "shared" }, { "idempotency-key": "shared-key" });
    expect(ra.status).toBe(201);
    expect(rb.status).toBe(201);
    expect(rb.body.id).not.toBe(ra.body.id);
    expect((await vendorRow(t, a.id)).unsettled).toBe(2_000_000n);
    expect((await vendorRow(t, b.id)).unsettled).toBe(2_000_000n);
    await expectBalanced(t);
  });

  test("the same key sent concurrently reserves once and every answer is that payout", async () => {
    const vendor = await vendorWith(10_000_000n);
    const body = { amount: "3", reference: "idem-race" };
    const results = await Promise.all(Array.from({ length: 12 }, () => payout(vendor, body, { "idempotency-key": "po-race" })));
    const ids = new Set(results.filter((r) => r.status === 201).map((r) => r.body.id));
    expect(ids.size).toBe(1);
    // Any other answer may only be "still in progress", never a second payout.
    for (const r of results.filter((r) => r.status !== 201)) {
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe("idempotency_in_progress");
    }
    expect((await vendorRow(t, vendor.id)).unsettled).toBe(7_000_000n);
    expect(await payoutRows(vendor.id)).toHaveLength(1);
    await expectBalanced(t);
  });

  test("a malformed Idempotency-Key is 400", async () => {
    const vendor = await vendorWith(3_000_000n);
    const r = await payout(vendor, { amount: "1", reference: "bad-key" }, { "idempotency-key": "has space" });
    expect(r.status).toBe(400);
    expect((await vendorRow(t, vendor.id)).unsettled).toBe(3_000_000n);
    await expectBalanced(t);
  });
});

describe("concurrency", () => {
  test("20 concurrent payouts of 30% each: exactly 3 succeed, the rest 402, the balance never goes negative", async () => {
    const vendor = await vendorWith(10_000_000n);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => payout(vendor, { amount_atomic: "3000000", reference: `c-${i}` })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    const refused = results.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(17);
    for (const r of refused) {
      expect(r.status).toBe(402);
      expect(r.body.error.code).toBe("insufficient_funds");
    }
    expect((await vendorRow(t, vendor.id)).unsettled).toBe(1_000_000n);
    const rows = await payoutRows(vendor.id);
    expect(rows.reduce((s, r) => s + r.amount_atomic, 0n)).toBe(9_000_000n);
    await expectBalanced(t);
  });

  test("payouts racing incoming payments: every unit is either reserved or still unsettled", async () => {
    const vendor = await vendorWith(2_000_000n);
    const agent = await createUser(t, { profile: "agent" });
    await fund(t, agent.id, 10_000_000n);
    const pays = Array.from({ length: 10 }, () => post(t, "/v1/agent/pay", agent.token, { to: vendor.id.toString(), amount_atomic: "1000000" }));
    const outs = Array.from({ length: 15 }, (_, i) => payout(vendor, { amount_atomic: "1000000", reference: `mix-${i}` }));
    const [paid, paidOut] = await Promise.all([Promise.all(pays), Promise.all(outs)]);
    expect(paid.every((r) => r.status === 201)).toBe(true);
    const reserved = paidOut.filter((r) => r.status === 201).length;
    expect(paidOut.every((r) => r.status === 201 || r.status === 402)).toBe(true);
    expect(reserved).toBeGreaterThanOrEqual(2);
    expect((await vendorRow(t, vendor.id)).unsettled).toBe(12_000_000n - BigInt(reserved) * 1_000_000n);
    await expectBalanced(t);
  });
});

describe("GET /v1/vendor/payouts", () => {
  test("newest first, paged by an opaque cursor, only the caller's payouts", async () => {
    const vendor = await vendorWith(100_000_000n);
    const other = await vendorWith(5_000_000n);
    const created: string[] = [];
    for (let i = 1; i <= 5; i++) {
      clock.advance(1000);
      const r = await payout(vendor, { amount_atomic: String(i * 1_000_000), reference: `page-${i}` });
      expect(r.status).toBe(201);
      created.push(r.body.id);
    }
    clock.advance(1000);
    expect((await payout(other, { amount: "1", reference: "page-1" })).status).toBe(201);

    const seen: any[] = [];
    let cursor: string | null = null;
    const sizes: number[] = [];
    do {
      const q: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : "?limit=2";
      const page = await get(t, `/v1/vendor/payouts${q}`, vendor.token);
      expect(page.status).toBe(200);
      sizes.push(page.body.data.length);
      seen.push(...page.body.data);
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen.map((p) => p.id)).toEqual([...created].reverse());
    expect(seen.map((p) => p.reference)).toEqual(["page-5", "page-4", "page-3", "page-2", "page-1"]);
    expect(seen[0]).toMatchObject({ amount_atomic: "5000000", status: "PENDING", vendor_id: vendor.id.toString() });

    const all = await get(t, "/v1/vendor/payouts", vendor.token);
    expect(all.body.data).toHaveLength(5);
    expect(all.body.next_cursor).toBeNull();
    const theirs = await get(t, "/v1/vendor/payouts", other.token);
    expect(theirs.body.data.map((p: any) => p.reference)).toEqual(["page-1"]);

    for (const bad of ["?cursor=not-a-cursor", "?limit=0", "?limit=201", "?limit=abc"]) {
      const r = await get(t, `/v1/vendor/payouts${bad}`, vendor.token);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("invalid_request");
    }
    // Found by the fuzzer: forged cursors (a time that is none, or outside PostgreSQL's range; a
    // NUL in the id) reached the query and answered 500.
    const forged = [
      { t: "garbage", id: "po_1" },
      { t: "0000-01-01T00:00:00.000Z", id: "po_1" },
      { t: "+275760-09-13T00:00:00.000Z", id: "po_1" },
      { t: "2030-01-01T00:00:00.000Z", id: "po_\u0000" },
    ];
    for (const cursor of forged.map((c) => encodeCursor(c))) {
      const r = await get(t, `/v1/vendor/payouts?cursor=${cursor}`, vendor.token);
      expect({ status: r.status, code: r.body.error?.code }).toEqual({ status: 400, code: "invalid_request" });
    }
    await expectBalanced(t);
  });
});
