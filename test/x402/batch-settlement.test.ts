import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { manualClock } from "@/core/clock";
import { relayPaymentEvents, type PaidPayment } from "@/ledger";
import { paymentEventsOf } from "@/realtime/events";
import { USDC_MINTS, machpayNetwork } from "../../packages/x402-machpay";
import { startTestApp, type TestApp } from "../support/app";
import { createUser } from "../support/fixtures";
import { json } from "../support/http";
import { agentRow, createKey, expectBalanced, fund, gatewaySetup, get, put, unsettledOf } from "../support/ledger";
import { linkedDevice } from "../support/pairing";
import { newWallet } from "../support/solana-keys";
import { batchPayload, batchRequirements, facilitate, x402Rows } from "../support/x402";

// MachPay's facilitator, batch-settlement (docs/x402-batch-settlement-machpay.md): verify checks
// everything and spends nothing; settle commits through the payment engine, once per intent;
// every refusal is the spec's answer (isValid:false / success:false with a reason), never a 500.

const clock = manualClock(new Date("2031-05-01T12:00:00Z"));
const now = () => clock.now().getTime();
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ PLATFORM_FEE_BPS: "100", RATE_LIMIT_LINK_PER_MINUTE: "100000" }, { clock });
});
afterAll(() => t.close());

const PRICE = 10_000n;

async function cast(balance = 100_000n) {
  const g = await gatewaySetup(t);
  if (balance > 0n) await fund(t, g.agent.id, balance);
  const requirements = batchRequirements(t, g.gatewayDevice.address, PRICE);
  const pay = (req = requirements) => batchPayload(g.agentDevice, req, { now });
  return { ...g, requirements, pay };
}

const spentNonces = async (agentPubkey: string) => Number((await t.sql`SELECT count(*)::int AS n FROM intent_nonces WHERE agent_pubkey = ${agentPubkey}`)[0]!.n);

describe("GET /x402/supported", () => {
  test("lists batch-settlement on machpay:<cluster> with the ledger's mint, for anyone; no exact without a Solana RPC", async () => {
    const res = await fetch(`${t.url}/x402/supported`);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({
      kinds: [{ x402Version: 2, scheme: "batch-settlement", network: "machpay:mainnet", extra: { asset: t.config.USDC_MINT } }],
      extensions: [],
      signers: {},
    });
  });
});

describe("a batch-settlement payment", () => {
  test("verify: valid, the agent's key as payer, and nothing spent: no nonce, no balance, no transaction", async () => {
    const c = await cast();
    const payload = await c.pay();
    const r = await facilitate(t, "verify", c.gatewayKey, payload, c.requirements);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ isValid: true, payer: c.agentDevice.address });
    expect(await spentNonces(c.agentDevice.address)).toBe(0);
    expect((await agentRow(t, c.agent.id)).balance).toBe(100_000n);
    expect(await x402Rows(t, c.vendor.id)).toEqual([]);
  });

  test("settle: committed once by the engine; the ledger transaction id is the commitment id; the agent debited, the vendor credited less the fee", async () => {
    const c = await cast();
    const payload = await c.pay();
    const r = await facilitate(t, "settle", c.gatewayKey, payload, c.requirements);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ success: true, transaction: expect.stringMatching(/^tx_/), network: "machpay:mainnet", payer: c.agentDevice.address, amount: "10000" });
    expect((await agentRow(t, c.agent.id)).balance).toBe(90_000n);
    expect(await unsettledOf(t, c.vendor.id)).toBe(9_900n);
    const rows = await x402Rows(t, c.vendor.id);
    expect(rows).toEqual([{ id: r.body.transaction, source: "x402", from_agent_id: c.agent.id, amount_atomic: PRICE, fee_atomic: 100n, tx_signature: null, payer_address: null, settled_at: null }]);
    const [row] = await t.sql`SELECT hash FROM transactions WHERE id = ${r.body.transaction}`;
    expect(row!.hash).toBe(createHash("sha256").update(Buffer.from(payload.payload.intent as string, "base64")).digest("hex"));
    expect(await spentNonces(c.agentDevice.address)).toBe(1);
    await expectBalanced(t);
  });

  test("replayed: verify and settle refuse the spent nonce, and the agent is debited exactly once", async () => {
    const c = await cast();
    const payload = await c.pay();
    expect((await facilitate(t, "settle", c.gatewayKey, payload, c.requirements)).body.success).toBe(true);
    const again = await facilitate(t, "verify", c.gatewayKey, payload, c.requirements);
    expect(again.body).toMatchObject({ isValid: false, invalidReason: "invalid_machpay_nonce_already_used", payer: c.agentDevice.address });
    const settledAgain = await facilitate(t, "settle", c.gatewayKey, payload, c.requirements);
    expect(settledAgain.body).toMatchObject({ success: false, errorReason: "invalid_machpay_nonce_already_used", transaction: "", network: "machpay:mainnet" });
    expect((await agentRow(t, c.agent.id)).balance).toBe(90_000n);
    expect(await x402Rows(t, c.vendor.id)).toHaveLength(1);
    await expectBalanced(t);
  });

  test("the same payment settled twice at once: one success, one refusal, one debit", async () => {
    const c = await cast();
    const payload = await c.pay();
    const both = await Promise.all([facilitate(t, "settle", c.gatewayKey, payload, c.requirements), facilitate(t, "settle", c.gatewayKey, payload, c.requirements)]);
    expect(both.map((r) => r.body.success).sort()).toEqual([false, true]);
    expect((await agentRow(t, c.agent.id)).balance).toBe(90_000n);
    await expectBalanced(t);
  });
});

describe("refused payments (200, the spec's reasons), nothing written", () => {
  type Case = [string, (c: Awaited<ReturnType<typeof cast>>) => Promise<[any, any]>, string];
  const cases: Case[] = [
    ["expired", async (c) => [await batchPayload(c.agentDevice, c.requirements, { now: () => now() - 120_000 }), c.requirements], "invalid_machpay_intent_expired"],
    ["for another network", async (c) => [await c.pay(), { ...c.requirements, network: machpayNetwork("devnet") }], "invalid_network"],
    ["requirements on another network, both sides", async (c) => {
      const req = { ...c.requirements, network: machpayNetwork("devnet") };
      return [await c.pay(req), req];
    }, "invalid_network"],
    ["for another payTo than the requirements'", async (c) => [await c.pay(), { ...c.requirements, payTo: c.agentDevice.address }], "invalid_machpay_accepted_mismatch"],
    ["whose intent names another payTo", async (c) => {
      const p = await c.pay();
      const req = { ...c.requirements, payTo: (await newWallet()).address };
      return [{ ...p, accepted: req }, req];
    }, "invalid_machpay_recipient_mismatch"],
    ["naming another vendor's gateway", async (c) => {
      const other = await createUser(t, { profile: "vendor" });
      const theirs = await linkedDevice(t, other.token, "vendor");
      const req = { ...c.requirements, payTo: theirs.address };
      return [await c.pay(req), req];
    }, "invalid_machpay_gateway_mismatch"],
    ["in another asset", async (c) => {
      const req = { ...c.requirements, asset: USDC_MINTS.devnet };
      return [await c.pay(req), req];
    }, "invalid_machpay_unsupported_mint"],
    ["whose intent pays another asset than accepted", async (c) => {
      const p = await c.pay();
      const req = { ...c.requirements, asset: USDC_MINTS.devnet };
      return [{ ...p, accepted: req }, req];
    }, "invalid_machpay_asset_mismatch"],
    ["for another amount than the requirements'", async (c) => [await c.pay(), { ...c.requirements, amount: "10001" }], "invalid_machpay_accepted_mismatch"],
    ["whose intent pays another amount", async (c) => {
      const p = await c.pay();
      const req = { ...c.requirements, amount: "9999" };
      return [{ ...p, accepted: req }, req];
    }, "invalid_machpay_amount_mismatch"],
    ["signed by another key", async (c) => {
      const p = await batchPayload(await newWallet(), c.requirements, { now });
      return [p, c.requirements];
    }, "invalid_machpay_agent_not_linked"],
    ["with a signature that is not the agent's", async (c) => {
      const forged = await batchPayload(await newWallet(), c.requirements, { now });
      const p = await c.pay();
      return [{ ...p, payload: { ...p.payload, signature: forged.payload.signature } }, c.requirements];
    }, "invalid_machpay_invalid_intent_signature"],
    ["whose payload is not an intent", async (c) => [{ ...(await c.pay()), payload: { transaction: "AAAA" } }, c.requirements], "invalid_payload"],
    ["of x402 version 1", async (c) => [{ ...(await c.pay()), x402Version: 1 }, c.requirements], "invalid_x402_version"],
    ["of an unknown scheme", async (c) => {
      const req = { ...c.requirements, scheme: "upto" };
      return [{ ...(await c.pay()), accepted: req }, req];
    }, "unsupported_scheme"],
    ["with an amount that is not atomic units", async (c) => {
      const req = { ...c.requirements, amount: "0.01" };
      return [{ ...(await c.pay()), accepted: req }, req];
    }, "invalid_payment_requirements"],
  ];

  for (const [what, make, reason] of cases) {
    test(what, async () => {
      const c = await cast();
      const [payload, requirements] = await make(c);
      const v = await facilitate(t, "verify", c.gatewayKey, payload, requirements);
      expect(v.status).toBe(200);
      expect(v.body).toMatchObject({ isValid: false, invalidReason: reason, invalidMessage: expect.any(String) });
      const s = await facilitate(t, "settle", c.gatewayKey, payload, requirements);
      expect(s.status).toBe(200);
      expect(s.body).toMatchObject({ success: false, errorReason: reason, transaction: "", network: requirements.network });
      expect((await agentRow(t, c.agent.id)).balance).toBe(100_000n);
      expect(await x402Rows(t, c.vendor.id)).toEqual([]);
    });
  }

  test("an agent without funds: insufficient_funds, in verify and in settle", async () => {
    const c = await cast(0n);
    const payload = await c.pay();
    expect((await facilitate(t, "verify", c.gatewayKey, payload, c.requirements)).body).toMatchObject({ isValid: false, invalidReason: "insufficient_funds" });
    expect((await facilitate(t, "settle", c.gatewayKey, payload, c.requirements)).body).toMatchObject({ success: false, errorReason: "insufficient_funds" });
    expect(await x402Rows(t, c.vendor.id)).toEqual([]);
  });

  test("over the agent's limits: verify sees them, as the payment would", async () => {
    const c = await cast();
    expect((await put(t, "/v1/agent/limits", c.agent.token, { per_payment_max_atomic: "9999", daily_max_atomic: null, allowed_vendor_ids: null })).status).toBe(200);
    expect((await facilitate(t, "verify", c.gatewayKey, await c.pay(), c.requirements)).body).toMatchObject({ isValid: false, invalidReason: "invalid_machpay_limit_exceeded" });
  });
});

describe("who may call", () => {
  test("verify and settle take a gateway key: none is 401, an agent key 403, a malformed body 400, all in the error envelope", async () => {
    const c = await cast();
    const payload = await c.pay();
    const none = await facilitate(t, "settle", undefined, payload, c.requirements);
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe("unauthorized");
    const agentKey = await createKey(t, c.agent.token, "agent");
    const asAgent = await facilitate(t, "settle", agentKey, payload, c.requirements);
    expect(asAgent.status).toBe(403);
    expect(asAgent.body.error.code).toBe("gateway_key_required");
    const res = await fetch(`${t.url}/x402/verify`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${c.gatewayKey}` }, body: JSON.stringify({ x402Version: 2, paymentPayload: payload }) });
    expect(res.status).toBe(400);
    expect((await json(res)).error.code).toBe("invalid_request");
    expect((await agentRow(t, c.agent.id)).balance).toBe(100_000n);
  });
});

describe("an x402 payment shows where payments show", () => {
  test("the agent's history, the vendor's stats, the ticker, and the SSE events of the user topics", async () => {
    const c = await cast();
    await t.sql`DELETE FROM payment_event_batches`;
    const settled = await facilitate(t, "settle", c.gatewayKey, await c.pay(), c.requirements);
    const id = settled.body.transaction;
    const history = await get(t, "/v1/agent/transactions", c.agent.token);
    expect(history.body.data[0]).toMatchObject({ id, source: "x402", from_agent_id: c.agent.id.toString(), amount_atomic: "10000", payer_address: null, tx_signature: null });
    const stats = await get(t, "/v1/vendor/stats", c.vendor.token);
    expect(stats.body).toMatchObject({ revenue_atomic: "9900", payment_count: 1, unsettled_atomic: "9900" });
    const ticker = await json(await fetch(`${t.url}/v1/ticker?limit=200`));
    expect(ticker.find((x: { id: string }) => x.id === id)).toMatchObject({ source: "x402", amount_atomic: "10000" });
    const delivered: PaidPayment[] = [];
    await relayPaymentEvents(t.sql, 10, async (p) => void delivered.push(...p));
    const events = delivered.filter((p) => p.transaction.id === id).flatMap(paymentEventsOf);
    expect(events.map((e) => [e.topic, e.type])).toEqual([
      ["ticker", "ticker"],
      [`user:${c.agent.id}`, "payment.sent"],
      [`user:${c.vendor.id}`, "payment.received"],
    ]);
  });
});

describe("the rate limit", () => {
  test("past X402_RATE_LIMIT_PER_MINUTE a vendor's calls are 429 rate_limited with Retry-After; other vendors are unaffected", async () => {
    const limited = await startTestApp({ X402_RATE_LIMIT_PER_MINUTE: "2", RATE_LIMIT_LINK_PER_MINUTE: "100000" }, { clock });
    try {
      const g = await gatewaySetup(limited);
      const other = await gatewaySetup(limited);
      const req = batchRequirements(limited, g.gatewayDevice.address, PRICE);
      const payload = await batchPayload(g.agentDevice, req, { now });
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await facilitate(limited, "verify", g.gatewayKey, payload, req));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
      expect(answers[2]!.body.error.code).toBe("rate_limited");
      expect(answers[2]!.res.headers.get("retry-after")).toMatch(/^\d+$/);
      expect(answers[0]!.res.headers.get("x-ratelimit-limit")).toBe("2");
      const req2 = batchRequirements(limited, other.gatewayDevice.address, PRICE);
      expect((await facilitate(limited, "verify", other.gatewayKey, await batchPayload(other.agentDevice, req2, { now }), req2)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
