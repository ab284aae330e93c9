import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createSolanaRpc, type Address } from "@solana/kit";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { ExactSvmScheme } from "@x402/svm/exact/client";
import { relayPaymentEvents, type PaidPayment } from "@/ledger";
import { paymentEventsOf } from "@/realtime/events";
import { USDC_MINTS } from "../../packages/x402-machpay";
import { startTestApp, type TestApp } from "../support/app";
import { ataOf, chainEnv, fundedWallet, type Wallet } from "../support/chain";
import { json } from "../support/http";
import { expectBalanced, gatewaySetup, get } from "../support/ledger";
import { startTestLocalnet, type TestLocalnet } from "../support/localnet";
import { newWallet } from "../support/solana-keys";
import { facilitate, x402Rows } from "../support/x402";

// MachPay's facilitator, exact on Solana (scheme_exact_svm.md): @x402/svm's facilitator scheme
// co-signs with the hot wallet as fee payer and sends to the local chain, which answers as devnet
// (its genesis hash: the network is solana:EtWTRABZ...). MachPay's own rules around it: USDC only,
// payTo one of the calling vendor's wallets, one settlement per transaction, recorded in the
// ledger as settled on chain (no balance moves).

const DEVNET = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
const PRICE = 25_000n;

let ln: TestLocalnet;
let t: TestApp;
beforeAll(async () => {
  ln = await startTestLocalnet({ slotMs: 50, genesisHash: "devnet", usdcMint: USDC_MINTS.devnet });
  t = await startTestApp({ ...chainEnv(ln), RATE_LIMIT_LINK_PER_MINUTE: "100000" });
});
afterAll(async () => {
  await t.close();
  await ln.close();
});

const balanceOf = async (ata: Address) => BigInt((await createSolanaRpc(ln.url).getTokenAccountBalance(ata, { commitment: "confirmed" }).send()).value.amount);

async function cast() {
  const g = await gatewaySetup(t);
  // The vendor is paid at its linked gateway key's token account (it must exist: no create-ATA in the payment).
  await ln.faucet.mintTo(g.gatewayDevice.address, 1n);
  const payer: Wallet = await fundedWallet(ln, 1_000_000n);
  const requirements: PaymentRequirements = {
    scheme: "exact",
    network: DEVNET,
    amount: PRICE.toString(),
    asset: ln.mint,
    payTo: g.gatewayDevice.address,
    maxTimeoutSeconds: 60,
    extra: { feePayer: ln.hotWallet.address },
  };
  const client = new ExactSvmScheme(payer.signer, { rpcUrl: ln.url });
  const pay = async (req = requirements): Promise<PaymentPayload> => {
    const { payload } = await client.createPaymentPayload(2, req);
    return { x402Version: 2, resource: { url: "https://api.example.test/paid" }, accepted: req, payload };
  };
  return { ...g, payer, requirements, pay, vendorAta: await ataOf(ln, g.gatewayDevice.address as Address) };
}

describe("GET /x402/supported", () => {
  test("adds exact on the chain's CAIP-2 id (from its genesis hash), the hot wallet as fee payer and signer", async () => {
    const body = await json(await fetch(`${t.url}/x402/supported`));
    expect(body.kinds).toEqual([
      { x402Version: 2, scheme: "batch-settlement", network: "machpay:localnet", extra: { asset: ln.mint } },
      { x402Version: 2, scheme: "exact", network: DEVNET, extra: { feePayer: ln.hotWallet.address } },
    ]);
    expect(body.signers).toEqual({ "solana:*": [ln.hotWallet.address] });
  });
});

describe("an exact payment", () => {
  test("verify, then settle: the vendor's token account gains exactly the price, the fee payer pays the fee, the ledger records it settled on chain", async () => {
    const c = await cast();
    const payload = await c.pay();
    const before = await balanceOf(c.vendorAta);
    const payerBefore = await balanceOf(c.payer.ata);
    const v = await facilitate(t, "verify", c.gatewayKey, payload, c.requirements);
    expect(v.body).toEqual({ isValid: true, payer: c.payer.signer.address });
    const s = await facilitate(t, "settle", c.gatewayKey, payload, c.requirements);
    expect(s.status).toBe(200);
    expect(s.body).toEqual({ success: true, transaction: expect.stringMatching(/^[1-9A-HJ-NP-Za-km-z]{64,88}$/), network: DEVNET, payer: c.payer.signer.address });
    expect((await balanceOf(c.vendorAta)) - before).toBe(PRICE);
    expect(payerBefore - (await balanceOf(c.payer.ata))).toBe(PRICE);

    const rows = await x402Rows(t, c.vendor.id);
    expect(rows).toEqual([
      { id: expect.stringMatching(/^tx_/), source: "x402_exact", from_agent_id: null, amount_atomic: PRICE, fee_atomic: 0n, tx_signature: s.body.transaction, payer_address: c.payer.signer.address, settled_at: expect.any(Date) },
    ]);
    const report = await expectBalanced(t);
    expect(report.mints[0].settled_on_chain.x402_exact_count).toBeGreaterThanOrEqual(1);
    // The vendor's stats count it, as earned and settled (it never sits in the unsettled balance).
    const stats = await get(t, "/v1/vendor/stats", c.vendor.token);
    expect(stats.body).toMatchObject({ revenue_atomic: PRICE.toString(), payment_count: 1, unsettled_atomic: "0", settled_atomic: PRICE.toString() });
    // Its events: the ticker, and the vendor's topic (no agent paid: nobody's payment.sent).
    const delivered: PaidPayment[] = [];
    await relayPaymentEvents(t.sql, 100, async (p) => void delivered.push(...p));
    const events = delivered.filter((p) => p.transaction.id === rows[0]!.id).flatMap(paymentEventsOf);
    expect(events.map((e) => [e.topic, e.type])).toEqual([
      ["ticker", "ticker"],
      [`user:${c.vendor.id}`, "payment.received"],
    ]);
    expect(events[1]!.data).toMatchObject({ transaction: { source: "x402_exact", from_agent_id: null, payer_address: c.payer.signer.address, tx_signature: s.body.transaction } });
  });

  test("replayed: verify and settle refuse it as duplicate_settlement, and the chain moves nothing more", async () => {
    const c = await cast();
    const payload = await c.pay();
    expect((await facilitate(t, "settle", c.gatewayKey, payload, c.requirements)).body.success).toBe(true);
    const after = await balanceOf(c.vendorAta);
    expect((await facilitate(t, "verify", c.gatewayKey, payload, c.requirements)).body).toMatchObject({ isValid: false, invalidReason: "duplicate_settlement" });
    expect((await facilitate(t, "settle", c.gatewayKey, payload, c.requirements)).body).toMatchObject({ success: false, errorReason: "duplicate_settlement", transaction: "" });
    expect(await balanceOf(c.vendorAta)).toBe(after);
    expect(await x402Rows(t, c.vendor.id)).toHaveLength(1);
  });

  test("the same payment settled twice at once is sent once", async () => {
    const c = await cast();
    const payload = await c.pay();
    const before = await balanceOf(c.vendorAta);
    const both = await Promise.all([facilitate(t, "settle", c.gatewayKey, payload, c.requirements), facilitate(t, "settle", c.gatewayKey, payload, c.requirements)]);
    expect(both.map((r) => r.body.success).sort()).toEqual([false, true]);
    expect((await balanceOf(c.vendorAta)) - before).toBe(PRICE);
    expect(await x402Rows(t, c.vendor.id)).toHaveLength(1);
  });
});

describe("refused exact payments: the spec's answers, nothing sent or recorded", () => {
  type Case = [string, (c: Awaited<ReturnType<typeof cast>>) => Promise<[PaymentPayload, PaymentRequirements]>, string];
  const cases: Case[] = [
    ["for another network", async (c) => [await c.pay(), { ...c.requirements, network: "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp" }], "invalid_network"],
    ["to a payTo that is not the vendor's", async (c) => {
      const stranger = await newWallet();
      await ln.faucet.mintTo(stranger.address, 1n);
      const req = { ...c.requirements, payTo: stranger.address };
      return [await c.pay(req), req];
    }, "pay_to_not_vendor"],
    ["whose transfer goes elsewhere than payTo", async (c) => {
      const stranger = await newWallet();
      await ln.faucet.mintTo(stranger.address, 1n);
      const p = await c.pay({ ...c.requirements, payTo: stranger.address });
      return [{ ...p, accepted: c.requirements }, c.requirements];
    }, "invalid_exact_svm_payload_recipient_mismatch"],
    ["in another asset than USDC", async (c) => {
      const req = { ...c.requirements, asset: USDC_MINTS.mainnet };
      return [{ ...(await c.pay()), accepted: req }, req];
    }, "unsupported_asset"],
    ["for another amount than its transfer", async (c) => {
      const p = await c.pay();
      const req = { ...c.requirements, amount: (PRICE + 1n).toString() };
      return [{ ...p, accepted: req }, req];
    }, "invalid_exact_svm_payload_amount_mismatch"],
    ["for another amount than accepted", async (c) => [await c.pay(), { ...c.requirements, amount: "1" }], "invalid_machpay_accepted_mismatch"],
    ["whose blockhash expired", async (c) => {
      const p = await c.pay();
      ln.advance(200);
      return [p, c.requirements];
    }, "invalid_exact_svm_transaction_simulation_failed"],
    ["that is not a transaction", async (c) => [{ ...(await c.pay()), payload: { transaction: "bm90IGEgdHJhbnNhY3Rpb24=" } }, c.requirements], "invalid_exact_svm_payload_transaction_could_not_be_decoded"],
  ];

  for (const [what, make, reason] of cases) {
    test(what, async () => {
      const c = await cast();
      const [payload, requirements] = await make(c);
      const before = await balanceOf(c.payer.ata);
      const v = await facilitate(t, "verify", c.gatewayKey, payload, requirements);
      expect(v.status).toBe(200);
      expect(v.body).toMatchObject({ isValid: false, invalidReason: reason });
      const s = await facilitate(t, "settle", c.gatewayKey, payload, requirements);
      expect(s.status).toBe(200);
      expect(s.body).toMatchObject({ success: false, errorReason: reason, transaction: "" });
      expect(await balanceOf(c.payer.ata)).toBe(before);
      expect(await x402Rows(t, c.vendor.id)).toEqual([]);
      // A refused settlement leaves no claim behind: a corrected payment is not taken for a duplicate.
      expect((await t.sql`SELECT count(*)::int AS n FROM x402_exact_settlements WHERE vendor_id = ${c.vendor.id}`)[0]!.n).toBe(0);
    });
  }
});
