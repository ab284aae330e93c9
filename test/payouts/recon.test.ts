import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { manualClock } from "@/core/clock";
import { startTestApp, TEST_RECON_SECRET, type TestApp } from "../support/app";
import { createUser, type TestUser } from "../support/fixtures";
import {
  agentRow,
  earn,
  expectBalanced,
  feesHeld,
  fund,
  get,
  notificationsOf,
  onchainSetup,
  post,
  postRecon,
  reconSignature,
  vendorRow,
} from "../support/ledger";

// The settlement bridge (issue 5 item 4): recon reports outcomes of payouts and of on-chain
// agents' intents over an HMAC-signed webhook; each event has its effect exactly once. The app
// takes a 2.5% platform fee, so a reversal must also give the fee back from the fee account.

const FEE_BPS = 250n;
const feeOf = (amount: bigint) => (amount * FEE_BPS) / 10_000n;
const clock = manualClock(new Date("2026-03-02T10:00:00Z"));

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ PLATFORM_FEE_BPS: FEE_BPS.toString(), RATE_LIMIT_LINK_PER_MINUTE: "10000" }, { clock });
});
afterAll(() => t.close());

let seq = 0;
const eventId = (label: string) => `evt_${label}_${++seq}`;
const txSig = () => `5K${"x".repeat(60)}${++seq}`;

async function payoutOf(id: string) {
  const [row] = await t.sql<{ status: string; tx_hash: string | null; failure_reason: string | null; amount_atomic: bigint }[]>`
    SELECT status, tx_hash, failure_reason, amount_atomic FROM payouts WHERE id = ${id}`;
  return row!;
}

async function intentOf(id: string) {
  const [row] = await t.sql<{ status: string; tx_signature: string | null; failure_reason: string | null }[]>`
    SELECT status, tx_signature, failure_reason FROM payment_intents WHERE id = ${id}`;
  return row!;
}

async function transactionOf(id: string) {
  const [row] = await t.sql<{ status: string; settled_at: Date | null }[]>`SELECT status, settled_at FROM transactions WHERE id = ${id}`;
  return row!;
}

async function reconEventCount() {
  const [row] = await t.sql<{ n: bigint }[]>`SELECT count(*) AS n FROM recon_events`;
  return Number(row!.n);
}

const types = async (userId: bigint) => (await notificationsOf(t, userId)).map((n) => n.type);

/** A vendor that earned `amount` (credited amount - fee) and asked for a payout of `payoutAmount`. */
async function vendorWithPayout(amount: bigint, payoutAmount: bigint) {
  const vendor = await createUser(t, { profile: "vendor" });
  await earn(t, vendor.id, amount);
  const r = await post(t, "/v1/vendor/payout", vendor.token, { amount_atomic: payoutAmount.toString(), reference: `ref-${++seq}` });
  if (r.status !== 201) throw new Error(`payout: ${r.status} ${JSON.stringify(r.body)}`);
  return { vendor, payoutId: r.body.id as string, credited: amount - feeOf(amount) };
}

/** An on-chain agent paid `vendor` (or a new one) `amount` with a signed intent through the gateway. */
async function paidIntent(amount: bigint, options: { vendor?: TestUser; bond?: bigint } = {}) {
  const cast = await onchainSetup(t, { bond: options.bond ?? 50_000_000n, ...(options.vendor ? { vendor: options.vendor } : {}) });
  const r = await cast.submit(amount, BigInt(++seq));
  if (r.status !== 201) throw new Error(`gateway payment: ${r.status} ${JSON.stringify(r.body)}`);
  const tx = r.body.transaction;
  expect(tx.intent_id).toBeString();
  expect(tx.fee_atomic).toBe(feeOf(amount).toString());
  return { ...cast, intentId: tx.intent_id as string, transactionId: tx.id as string, amount, credited: amount - feeOf(amount) };
}

const failedEvent = (i: { intentId: string; vendor: TestUser; amount: bigint }, extra: Record<string, unknown> = {}) => ({
  type: "settlement.failed",
  intent_id: i.intentId,
  vendor_id: i.vendor.id.toString(),
  amount: i.amount.toString(),
  reason: "agent insolvent (0x102)",
  ...extra,
});

describe("recon signature", () => {
  test("a missing, malformed or wrong signature is 401 and nothing changes", async () => {
    const { vendor, payoutId, credited } = await vendorWithPayout(4_000_000n, 1_000_000n);
    const event = { id: eventId("sig"), type: "settlement.failed", payout_id: payoutId, reason: "rpc down" };
    const raw = JSON.stringify(event);
    const goodHex = reconSignature(raw).slice("sha256=".length);
    const bad: (string | null)[] = [
      null,
      "",
      goodHex,
      `sha1=${goodHex}`,
      `sha256=${goodHex.slice(0, 63)}`,
      `sha256=${goodHex}00`,
      `sha256=${"0".repeat(64)}`,
      reconSignature(raw, "another-secret-of-16+chars"),
      reconSignature(raw + " "),
      `sha256=${goodHex.slice(0, 62)}zz`,
    ];
    const before = await reconEventCount();
    for (const signature of bad) {
      const r = await postRecon(t, event, { raw, signature });
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe("invalid_signature");
    }
    expect(await payoutOf(payoutId)).toMatchObject({ status: "PENDING", failure_reason: null });
    expect((await vendorRow(t, vendor.id)).unsettled).toBe(credited - 1_000_000n);
    expect(await types(vendor.id)).toEqual(["payout.requested"]);
    expect(await reconEventCount()).toBe(before);
    // The same bytes, correctly signed, are accepted (upper-case hex too).
    const ok = await postRecon(t, event, { raw, signature: `sha256=${goodHex.toUpperCase()}` });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ status: "processed", event_id: event.id });
    await expectBalanced(t);
  });

  test("a body altered after signing is 401, however small the change", async () => {
    const a = await vendorWithPayout(4_000_000n, 1_000_000n);
    const b = await vendorWithPayout(4_000_000n, 2_000_000n);
    const signed = JSON.stringify({ type: "settlement.confirmed", payout_id: a.payoutId, tx_signature: "sigA" });
    const signature = reconSignature(signed);
    const altered = [
      signed.replace(a.payoutId, b.payoutId),
      signed.replace("settlement.confirmed", "settlement.failed"),
      signed.replace("sigA", "sigB"),
      signed + "\n",
      JSON.stringify(JSON.parse(signed), null, 1),
    ];
    for (const raw of altered) {
      const r = await postRecon(t, null, { raw, signature });
      expect(r.status).toBe(401);
    }
    expect((await payoutOf(a.payoutId)).status).toBe("PENDING");
    expect((await payoutOf(b.payoutId)).status).toBe("PENDING");
    await expectBalanced(t);
  });

  test("without RECON_WEBHOOK_SECRET the endpoint is off (503), even for a body signed with nothing", async () => {
    const off = await startTestApp({ RECON_WEBHOOK_SECRET: undefined as unknown as string });
    try {
      const raw = JSON.stringify({ type: "settlement.confirmed", payout_id: "po_x", tx_signature: "s" });
      for (const signature of [reconSignature(raw, ""), reconSignature(raw)]) {
        const res = await fetch(off.url + "/v1/internal/recon/events", { method: "POST", headers: { "content-type": "application/json", "x-machpay-signature": signature }, body: raw });
        expect(res.status).toBe(503);
      }
    } finally {
      await off.close();
    }
  });
});

describe("payout outcomes", () => {
  test("settlement.confirmed marks the payout CONFIRMED with its tx_hash and notifies the vendor", async () => {
    const { vendor, payoutId, credited } = await vendorWithPayout(10_000_000n, 4_000_000n);
    const sig = txSig();
    const r = await postRecon(t, { id: eventId("pc"), type: "settlement.confirmed", payout_id: payoutId, tx_signature: sig });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe("processed");
    const list = await get(t, "/v1/vendor/payouts", vendor.token);
    expect(list.body.data[0]).toMatchObject({ id: payoutId, status: "CONFIRMED", tx_hash: sig, failure_reason: null });
    expect((await vendorRow(t, vendor.id)).unsettled).toBe(credited - 4_000_000n);
    const notes = await notificationsOf(t, vendor.id);
    expect(notes.map((n) => n.type)).toEqual(["payout.requested", "payout.confirmed"]);
    expect(notes[1]!.payload).toMatchObject({ payout_id: payoutId, tx_signature: sig });
    await expectBalanced(t);
  });

  test("settlement.failed marks the payout FAILED and returns exactly its amount to the unsettled balance", async () => {
    const { vendor, payoutId, credited } = await vendorWithPayout(10_000_000n, 4_000_000n);
    expect((await vendorRow(t, vendor.id)).unsettled).toBe(credited - 4_000_000n);
    const r = await postRecon(t, { id: eventId("pf"), type: "settlement.failed", payout_id: payoutId, reason: "destination account frozen" });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe("processed");
    expect(await payoutOf(payoutId)).toMatchObject({ status: "FAILED", tx_hash: null, failure_reason: "destination account frozen" });
    expect(await vendorRow(t, vendor.id)).toEqual({ unsettled: credited, debt: 0n });
    const notes = await notificationsOf(t, vendor.id);
    expect(notes.map((n) => n.type)).toEqual(["payout.requested", "payout.failed"]);
    expect(notes[1]!.payload).toMatchObject({ payout_id: payoutId, reason: "destination account frozen", amount_atomic: "4000000" });
    // The returned money can be withdrawn again, all of it.
    const again = await post(t, "/v1/vendor/payout", vendor.token, { amount_atomic: credited.toString(), reference: "retry-all" });
    expect(again.status).toBe(201);
    expect((await vendorRow(t, vendor.id)).unsettled).toBe(0n);
    await expectBalanced(t);
  });

  test("a failed payout pays the vendor's debt down first", async () => {
    // The vendor's only earning is an intent; it withdraws all of it, then the intent fails: debt.
    const i = await paidIntent(8_000_000n);
    const out = await post(t, "/v1/vendor/payout", i.vendor.token, { amount_atomic: i.credited.toString(), reference: "all-of-it" });
    expect(out.status).toBe(201);
    expect((await postRecon(t, failedEvent(i))).body.status).toBe("processed");
    expect(await vendorRow(t, i.vendor.id)).toEqual({ unsettled: 0n, debt: i.credited });
    // The payout fails too: its money settles the debt first, nothing is left over.
    const r = await postRecon(t, { type: "settlement.failed", payout_id: out.body.id, reason: "blockhash expired" });
    expect(r.body.status).toBe("processed");
    expect(await vendorRow(t, i.vendor.id)).toEqual({ unsettled: 0n, debt: 0n });
    await expectBalanced(t);
  });

  test("a failed payout larger than the debt: the debt is cleared and the rest is unsettled again", async () => {
    const vendor = await createUser(t, { profile: "vendor" });
    await earn(t, vendor.id, 20_000_000n);
    const i = await paidIntent(8_000_000n, { vendor });
    const all = (await vendorRow(t, vendor.id)).unsettled;
    const out = await post(t, "/v1/vendor/payout", vendor.token, { amount_atomic: all.toString(), reference: "everything" });
    expect(out.status).toBe(201);
    await postRecon(t, failedEvent(i));
    expect(await vendorRow(t, vendor.id)).toEqual({ unsettled: 0n, debt: i.credited });
    await postRecon(t, { type: "settlement.failed", payout_id: out.body.id, reason: "x" });
    expect(await vendorRow(t, vendor.id)).toEqual({ unsettled: all - i.credited, debt: 0n });
    await expectBalanced(t);
  });

  test("the same event delivered twice (same id) has one effect; the second answer is duplicate", async () => {
    const { vendor, payoutId, credited } = await vendorWithPayout(10_000_000n, 3_000_000n);
    const event = { id: eventId("dup"), type: "settlement.failed", payout_id: payoutId, reason: "r" };
    const first = await postRecon(t, event);
    const second = await postRecon(t, event);
    expect(first.body).toEqual({ status: "processed", event_id: event.id });
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ status: "duplicate", event_id: event.id });
    expect((await vendorRow(t, vendor.id)).unsettled).toBe(credited);
    expect(await types(vendor.id)).toEqual(["payout.requested", "payout.failed"]);
    await expectBalanced(t);
  });

  test("an event without an id is identified by its type and target", async () => {
    const { vendor, payoutId, credited } = await vendorWithPayout(10_000_000n, 3_000_000n);
    const event = { type: "settlement.failed", payout_id: payoutId, reason: "r" };
    expect((await postRecon(t, event)).body).toEqual({ status: "processed", event_id: `settlement.failed:${payoutId}` });
    expect((await postRecon(t, { ...event, reason: "reworded" })).body.status).toBe("duplicate");
    expect((await vendorRow(t, vendor.id)).unsettled).toBe(credited);
    await expectBalanced(t);
  });

  test("the same outcome under another id is no_change", async () => {
    const { vendor, payoutId, credited } = await vendorWithPayout(10_000_000n, 3_000_000n);
    expect((await postRecon(t, { id: eventId("a"), type: "settlement.failed", payout_id: payoutId, reason: "r" })).body.status).toBe("processed");
    const again = await postRecon(t, { id: eventId("b"), type: "settlement.failed", payout_id: payoutId, reason: "r" });
    expect(again.status).toBe(200);
    expect(again.body.status).toBe("no_change");
    expect((await vendorRow(t, vendor.id)).unsettled).toBe(credited);
    expect(await types(vendor.id)).toEqual(["payout.requested", "payout.failed"]);
    await expectBalanced(t);
  });

  test("a failure reported after the confirmation changes nothing, and the other way round", async () => {
    const a = await vendorWithPayout(10_000_000n, 3_000_000n);
    const sig = txSig();
    await postRecon(t, { type: "settlement.confirmed", payout_id: a.payoutId, tx_signature: sig });
    const late = await postRecon(t, { type: "settlement.failed", payout_id: a.payoutId, reason: "stale" });
    expect(late.body.status).toBe("no_change");
    expect(await payoutOf(a.payoutId)).toMatchObject({ status: "CONFIRMED", tx_hash: sig, failure_reason: null });
    expect((await vendorRow(t, a.vendor.id)).unsettled).toBe(a.credited - 3_000_000n);
    expect(await types(a.vendor.id)).toEqual(["payout.requested", "payout.confirmed"]);

    const b = await vendorWithPayout(10_000_000n, 3_000_000n);
    await postRecon(t, { type: "settlement.failed", payout_id: b.payoutId, reason: "first" });
    const lateOk = await postRecon(t, { type: "settlement.confirmed", payout_id: b.payoutId, tx_signature: txSig() });
    expect(lateOk.body.status).toBe("no_change");
    expect(await payoutOf(b.payoutId)).toMatchObject({ status: "FAILED", tx_hash: null });
    expect((await vendorRow(t, b.vendor.id)).unsettled).toBe(b.credited);
    await expectBalanced(t);
  });

  test("the same signed failure delivered concurrently returns the money once", async () => {
    const { vendor, payoutId, credited } = await vendorWithPayout(10_000_000n, 6_000_000n);
    const event = { id: eventId("conc"), type: "settlement.failed", payout_id: payoutId, reason: "r" };
    const results = await Promise.all(Array.from({ length: 10 }, () => postRecon(t, event)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(results.filter((r) => r.body.status === "processed")).toHaveLength(1);
    expect(results.filter((r) => r.body.status === "duplicate")).toHaveLength(9);
    expect((await vendorRow(t, vendor.id)).unsettled).toBe(credited);
    expect(await types(vendor.id)).toEqual(["payout.requested", "payout.failed"]);
    await expectBalanced(t);
  });

  test("confirmation and failure racing under different ids: exactly one of them takes effect", async () => {
    const { vendor, payoutId, credited } = await vendorWithPayout(10_000_000n, 6_000_000n);
    const events = Array.from({ length: 6 }, (_, i) =>
      i % 2 === 0
        ? { id: eventId("rc"), type: "settlement.confirmed", payout_id: payoutId, tx_signature: txSig() }
        : { id: eventId("rf"), type: "settlement.failed", payout_id: payoutId, reason: "r" },
    );
    const results = await Promise.all(events.map((e) => postRecon(t, e)));
    expect(results.filter((r) => r.body.status === "processed")).toHaveLength(1);
    expect(results.filter((r) => r.body.status === "no_change")).toHaveLength(5);
    const payout = await payoutOf(payoutId);
    const unsettled = (await vendorRow(t, vendor.id)).unsettled;
    if (payout.status === "CONFIRMED") expect(unsettled).toBe(credited - 6_000_000n);
    else expect(unsettled).toBe(credited);
    expect((await types(vendor.id)).filter((n) => n !== "payout.requested")).toHaveLength(1);
    await expectBalanced(t);
  });

  test("an unknown payout is 404 and the event is not spent", async () => {
    const before = await reconEventCount();
    const r = await postRecon(t, { id: eventId("unknown"), type: "settlement.failed", payout_id: "po_doesnotexist", reason: "r" });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe("payout_not_found");
    expect(await reconEventCount()).toBe(before);
    await expectBalanced(t);
  });

  test("malformed events are 400 and change nothing", async () => {
    const { vendor, payoutId, credited } = await vendorWithPayout(10_000_000n, 2_000_000n);
    const intentId = crypto.randomUUID();
    const before = await reconEventCount();
    const bad: Record<string, unknown>[] = [
      { type: "settlement.confirmed", payout_id: payoutId },
      { type: "settlement.confirmed", payout_id: payoutId, tx_signature: "" },
      { type: "settlement.failed" },
      { type: "settlement.failed", payout_id: payoutId, intent_id: intentId, reason: "both" },
      { type: "settlement.reversed", payout_id: payoutId },
      { type: "settlement.failed", intent_id: "not-a-uuid", vendor_id: "1", amount: "1", reason: "r" },
      { type: "settlement.failed", intent_id: intentId, reason: "no vendor or amount" },
      { type: "settlement.failed", intent_id: intentId, vendor_id: vendor.id.toString(), amount: "-5", reason: "r" },
      { type: "settlement.failed", intent_id: intentId, vendor_id: "abc", amount: "5", reason: "r" },
    ];
    for (const event of bad) {
      const r = await postRecon(t, event);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("invalid_request");
    }
    const notJson = await postRecon(t, null, { raw: "{not json" });
    expect(notJson.status).toBe(400);
    expect(await payoutOf(payoutId)).toMatchObject({ status: "PENDING" });
    expect((await vendorRow(t, vendor.id)).unsettled).toBe(credited - 2_000_000n);
    expect(await reconEventCount()).toBe(before);
    await expectBalanced(t);
  });
});

describe("intent settlement failure (lld-backend.md §4.4)", () => {
  test("the vendor loses what it was credited, the fee goes back, the agent is suspended and the vendor told why", async () => {
    const vendor = await createUser(t, { profile: "vendor" });
    await earn(t, vendor.id, 40_000_000n);
    const before = await vendorRow(t, vendor.id);
    const feesBefore = await feesHeld(t);
    const i = await paidIntent(10_000_000n, { vendor });
    expect(i.credited).toBe(9_750_000n);
    expect((await vendorRow(t, vendor.id)).unsettled).toBe(before.unsettled + i.credited);
    expect(await feesHeld(t)).toBe(feesBefore + 250_000n);
    expect((await get(t, "/v1/agent/balance", i.agent.token)).body.pending_atomic).toBe("10000000");

    const r = await postRecon(t, failedEvent(i, { id: eventId("fail") }));
    expect(r.status).toBe(200);
    expect(r.body.status).toBe("processed");

    expect(await vendorRow(t, vendor.id)).toEqual({ unsettled: before.unsettled, debt: 0n });
    expect(await feesHeld(t)).toBe(feesBefore);
    expect(await transactionOf(i.transactionId)).toMatchObject({ status: "reversed", settled_at: null });
    expect(await intentOf(i.intentId)).toMatchObject({ status: "FAILED", failure_reason: "agent insolvent (0x102)", tx_signature: null });
    expect((await agentRow(t, i.agent.id)).status).toBe("SUSPENDED");
    const txs = await get(t, "/v1/agent/transactions", i.agent.token);
    expect(txs.body.data.find((x: any) => x.id === i.transactionId)).toMatchObject({ status: "reversed", intent_id: i.intentId });
    // Nothing is owed any more, and the bond is untouched.
    const balance = (await get(t, "/v1/agent/balance", i.agent.token)).body;
    expect(balance).toMatchObject({ pending_atomic: "0", bonded_atomic: "50000000", available_atomic: "0" });
    // A gateway looking the agent up sees it suspended.
    const standing = await get(t, `/v1/gateway/agents/${i.agentDevice.address}`, i.gatewayKey);
    expect(standing.body.status).toBe("SUSPENDED");

    const notes = await notificationsOf(t, vendor.id);
    expect(notes.map((n) => n.type)).toEqual(["settlement.failed"]);
    expect(notes[0]!.payload).toMatchObject({
      intent_id: i.intentId,
      agent_id: i.agent.id.toString(),
      amount_atomic: "10000000",
      reversed_atomic: "9750000",
      debt_atomic: "0",
      reason: "agent insolvent (0x102)",
      message: `Settlement failed for agent ${i.agent.id}. Your pending balance has been adjusted.`,
    });
    await expectBalanced(t);
  });

  test("a suspended agent's next payment, gateway or API, is 403 agent_suspended and moves nothing", async () => {
    const i = await paidIntent(2_000_000n);
    await postRecon(t, failedEvent(i));
    const vendorBefore = await vendorRow(t, i.vendor.id);
    const fees = await feesHeld(t);

    const gateway = await i.submit(1_000_000n, BigInt(++seq));
    expect(gateway.status).toBe(403);
    expect(gateway.body.error.code).toBe("agent_suspended");

    await fund(t, i.agent.id, 5_000_000n);
    const api = await post(t, "/v1/agent/pay", i.agent.token, { to: i.vendor.id.toString(), amount_atomic: "1000000" });
    expect(api.status).toBe(403);
    expect(api.body.error.code).toBe("agent_suspended");

    expect(await vendorRow(t, i.vendor.id)).toEqual(vendorBefore);
    expect(await feesHeld(t)).toBe(fees);
    expect((await agentRow(t, i.agent.id)).balance).toBe(5_000_000n);
    const [n] = await t.sql<{ n: bigint }[]>`SELECT count(*) AS n FROM transactions WHERE from_agent_id = ${i.agent.id}`;
    expect(n!.n).toBe(1n);
    await expectBalanced(t);
  });

  test("when the vendor already paid the money out, the shortfall becomes debt, never a negative balance; later earnings pay it first", async () => {
    const i = await paidIntent(10_000_000n);
    const out = await post(t, "/v1/vendor/payout", i.vendor.token, { amount_atomic: "9000000", reference: "early" });
    expect(out.status).toBe(201);
    expect((await vendorRow(t, i.vendor.id)).unsettled).toBe(750_000n);

    const r = await postRecon(t, failedEvent(i));
    expect(r.body.status).toBe("processed");
    expect(await vendorRow(t, i.vendor.id)).toEqual({ unsettled: 0n, debt: 9_000_000n });
    const notes = await notificationsOf(t, i.vendor.id);
    expect(notes.at(-1)!.payload).toMatchObject({ reversed_atomic: "9750000", debt_atomic: "9000000" });
    const stats = await get(t, "/v1/vendor/stats", i.vendor.token);
    expect(stats.body).toMatchObject({ unsettled_atomic: "0", debt_atomic: "9000000" });
    await expectBalanced(t);

    // While in debt nothing can be withdrawn.
    const blocked = await post(t, "/v1/vendor/payout", i.vendor.token, { amount_atomic: "1", reference: "in-debt" });
    expect(blocked.status).toBe(402);

    // An earning smaller than the debt only pays it down.
    await earn(t, i.vendor.id, 4_000_000n); // credited 3_900_000
    expect(await vendorRow(t, i.vendor.id)).toEqual({ unsettled: 0n, debt: 5_100_000n });
    await expectBalanced(t);
    // The next one clears it; the rest is unsettled.
    await earn(t, i.vendor.id, 8_000_000n); // credited 7_800_000
    expect(await vendorRow(t, i.vendor.id)).toEqual({ unsettled: 2_700_000n, debt: 0n });
    await expectBalanced(t);
  });

  test("a second failed intent of an already suspended agent is reversed as well", async () => {
    const cast = await onchainSetup(t, { bond: 50_000_000n });
    const a = await cast.submit(3_000_000n, BigInt(++seq));
    const b = await cast.submit(5_000_000n, BigInt(++seq));
    expect([a.status, b.status]).toEqual([201, 201]);
    const credited = 8_000_000n - feeOf(3_000_000n) - feeOf(5_000_000n);
    expect((await vendorRow(t, cast.vendor.id)).unsettled).toBe(credited);
    const ev = (tx: any, amount: bigint) => ({ type: "settlement.failed", intent_id: tx.intent_id, vendor_id: cast.vendor.id.toString(), amount: amount.toString(), reason: "r" });
    expect((await postRecon(t, ev(a.body.transaction, 3_000_000n))).body.status).toBe("processed");
    expect((await postRecon(t, ev(b.body.transaction, 5_000_000n))).body.status).toBe("processed");
    expect(await vendorRow(t, cast.vendor.id)).toEqual({ unsettled: 0n, debt: 0n });
    expect(await types(cast.vendor.id)).toEqual(["settlement.failed", "settlement.failed"]);
    await expectBalanced(t);
  });

  test("a vendor_id or amount that does not match the intent is 422 event_mismatch and changes nothing", async () => {
    const i = await paidIntent(4_000_000n);
    const other = await createUser(t, { profile: "vendor" });
    const id = eventId("mismatch");
    const before = { vendor: await vendorRow(t, i.vendor.id), fees: await feesHeld(t), events: await reconEventCount() };
    for (const extra of [{ vendor_id: other.id.toString() }, { amount: "4000001" }, { amount: "3999999" }, { amount: i.credited.toString() }]) {
      const r = await postRecon(t, failedEvent(i, { id, ...extra }));
      expect(r.status).toBe(422);
      expect(r.body.error.code).toBe("event_mismatch");
    }
    expect(await vendorRow(t, i.vendor.id)).toEqual(before.vendor);
    expect(await feesHeld(t)).toBe(before.fees);
    expect(await intentOf(i.intentId)).toMatchObject({ status: "PENDING" });
    expect(await transactionOf(i.transactionId)).toMatchObject({ status: "confirmed" });
    expect((await agentRow(t, i.agent.id)).status).toBe("ACTIVE");
    expect(await notificationsOf(t, i.vendor.id)).toHaveLength(0);
    expect(await reconEventCount()).toBe(before.events);
    // The event id was not spent by the refusals: the correct event under it is processed.
    expect((await postRecon(t, failedEvent(i, { id }))).body.status).toBe("processed");
    await expectBalanced(t);
  });

  test("an unknown intent is 404 intent_not_found", async () => {
    const vendor = await createUser(t, { profile: "vendor" });
    for (const event of [
      { type: "settlement.failed", intent_id: crypto.randomUUID(), vendor_id: vendor.id.toString(), amount: "5", reason: "r" },
      { type: "settlement.confirmed", intent_id: crypto.randomUUID(), tx_signature: txSig() },
    ]) {
      const r = await postRecon(t, event);
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe("intent_not_found");
    }
    await expectBalanced(t);
  });

  test("the same failure delivered twice concurrently (same signed body) debits once", async () => {
    const vendor = await createUser(t, { profile: "vendor" });
    await earn(t, vendor.id, 20_000_000n);
    const start = await vendorRow(t, vendor.id);
    const i = await paidIntent(6_000_000n, { vendor });
    const raw = JSON.stringify(failedEvent(i, { id: eventId("twice") }));
    const results = await Promise.all(Array.from({ length: 8 }, () => postRecon(t, null, { raw })));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(results.filter((r) => r.body.status === "processed")).toHaveLength(1);
    expect(results.filter((r) => r.body.status === "duplicate")).toHaveLength(7);
    expect(await vendorRow(t, vendor.id)).toEqual(start);
    expect(await types(vendor.id)).toEqual(["settlement.failed"]);
    await expectBalanced(t);
  });

  test("the same failure under different ids, concurrently: one reversal, the rest no_change", async () => {
    const vendor = await createUser(t, { profile: "vendor" });
    await earn(t, vendor.id, 20_000_000n);
    const start = await vendorRow(t, vendor.id);
    const i = await paidIntent(6_000_000n, { vendor });
    const results = await Promise.all(Array.from({ length: 8 }, () => postRecon(t, failedEvent(i, { id: eventId("many") }))));
    expect(results.filter((r) => r.body.status === "processed")).toHaveLength(1);
    expect(results.filter((r) => r.body.status === "no_change")).toHaveLength(7);
    expect(await vendorRow(t, vendor.id)).toEqual(start);
    expect(await types(vendor.id)).toEqual(["settlement.failed"]);
    await expectBalanced(t);
  });

  test("a failure racing new payments of the same agent: every payment is either before the suspension or refused", async () => {
    const i = await paidIntent(1_000_000n, { bond: 100_000_000n });
    const pays = Array.from({ length: 10 }, () => i.submit(1_000_000n, BigInt(++seq)));
    const [fail, ...paid] = await Promise.all([postRecon(t, failedEvent(i)), ...pays]);
    expect(fail!.body.status).toBe("processed");
    const ok = paid.filter((r) => r.status === 201).length;
    expect(paid.every((r) => r.status === 201 || (r.status === 403 && r.body.error.code === "agent_suspended"))).toBe(true);
    // Only the failed intent was reversed; the others stand (they await their own outcome).
    expect((await vendorRow(t, i.vendor.id)).unsettled).toBe(BigInt(ok) * (1_000_000n - feeOf(1_000_000n)));
    expect((await get(t, "/v1/agent/balance", i.agent.token)).body.pending_atomic).toBe(String(ok * 1_000_000));
    await expectBalanced(t);
  });
});

describe("intent settlement confirmation", () => {
  test("settlement.confirmed settles the intent and its transaction, pending drops and the bond unlocks", async () => {
    const i = await paidIntent(3_000_000n, { bond: 20_000_000n });
    expect((await get(t, "/v1/agent/balance", i.agent.token)).body).toMatchObject({ pending_atomic: "3000000", bonded_atomic: "20000000" });
    const locked = await post(t, "/v1/agent/bond/withdraw", i.agent.token, { amount_atomic: "20000000" });
    expect(locked.status).toBe(409);
    expect(locked.body.error.code).toBe("bond_locked");

    clock.advance(5_000);
    const sig = txSig();
    const r = await postRecon(t, { id: eventId("ok"), type: "settlement.confirmed", intent_id: i.intentId, tx_signature: sig });
    expect(r.body.status).toBe("processed");
    expect(await intentOf(i.intentId)).toMatchObject({ status: "SETTLED", tx_signature: sig, failure_reason: null });
    expect(await transactionOf(i.transactionId)).toEqual({ status: "confirmed", settled_at: clock.now() });
    const txs = await get(t, "/v1/agent/transactions", i.agent.token);
    expect(txs.body.data[0]).toMatchObject({ id: i.transactionId, status: "confirmed", settled_at: clock.now().toISOString() });
    expect((await get(t, "/v1/agent/balance", i.agent.token)).body.pending_atomic).toBe("0");
    expect((await vendorRow(t, i.vendor.id)).unsettled).toBe(i.credited);
    expect((await agentRow(t, i.agent.id)).status).toBe("ACTIVE");

    const report = await expectBalanced(t);
    expect(BigInt(report.mints[0].inflows.intents_settled_atomic)).toBeGreaterThanOrEqual(3_000_000n);

    const withdrawn = await post(t, "/v1/agent/bond/withdraw", i.agent.token, { amount_atomic: "20000000" });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body).toMatchObject({ available_atomic: "20000000", bonded_atomic: "0", pending_atomic: "0" });
    await expectBalanced(t);
  });

  test("after the confirmation a failure report changes nothing; a repeated confirmation is no_change", async () => {
    const i = await paidIntent(3_000_000n);
    await postRecon(t, { type: "settlement.confirmed", intent_id: i.intentId, tx_signature: txSig() });
    const late = await postRecon(t, failedEvent(i));
    expect(late.status).toBe(200);
    expect(late.body.status).toBe("no_change");
    const again = await postRecon(t, { id: eventId("again"), type: "settlement.confirmed", intent_id: i.intentId, tx_signature: txSig() });
    expect(again.body.status).toBe("no_change");
    expect((await vendorRow(t, i.vendor.id)).unsettled).toBe(i.credited);
    expect(await transactionOf(i.transactionId)).toMatchObject({ status: "confirmed" });
    expect((await agentRow(t, i.agent.id)).status).toBe("ACTIVE");
    expect(await notificationsOf(t, i.vendor.id)).toHaveLength(0);
    // And a confirmation after a failure does not resurrect the payment.
    const j = await paidIntent(3_000_000n);
    await postRecon(t, failedEvent(j));
    expect((await postRecon(t, { type: "settlement.confirmed", intent_id: j.intentId, tx_signature: txSig() })).body.status).toBe("no_change");
    expect(await intentOf(j.intentId)).toMatchObject({ status: "FAILED" });
    expect(await transactionOf(j.transactionId)).toMatchObject({ status: "reversed", settled_at: null });
    expect((await vendorRow(t, j.vendor.id)).unsettled).toBe(0n);
    await expectBalanced(t);
  });

  test("confirmation and failure racing for one intent: exactly one outcome, the books balance either way", async () => {
    const i = await paidIntent(5_000_000n);
    const events = Array.from({ length: 6 }, (_, k) =>
      k % 2 === 0 ? { id: eventId("rc"), type: "settlement.confirmed", intent_id: i.intentId, tx_signature: txSig() } : failedEvent(i, { id: eventId("rf") }),
    );
    const results = await Promise.all(events.map((e) => postRecon(t, e)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(results.filter((r) => r.body.status === "processed")).toHaveLength(1);
    const intent = await intentOf(i.intentId);
    if (intent.status === "SETTLED") {
      expect((await vendorRow(t, i.vendor.id)).unsettled).toBe(i.credited);
      expect((await agentRow(t, i.agent.id)).status).toBe("ACTIVE");
    } else {
      expect(intent.status).toBe("FAILED");
      expect((await vendorRow(t, i.vendor.id)).unsettled).toBe(0n);
      expect((await agentRow(t, i.agent.id)).status).toBe("SUSPENDED");
    }
    await expectBalanced(t);
  });

  test("a recon secret other than the configured one is refused for intents too", async () => {
    const i = await paidIntent(1_000_000n);
    const raw = JSON.stringify({ type: "settlement.confirmed", intent_id: i.intentId, tx_signature: txSig() });
    const r = await postRecon(t, null, { raw, signature: reconSignature(raw, TEST_RECON_SECRET.toUpperCase()) });
    expect(r.status).toBe(401);
    expect(await intentOf(i.intentId)).toMatchObject({ status: "PENDING" });
    await expectBalanced(t);
  });
});
