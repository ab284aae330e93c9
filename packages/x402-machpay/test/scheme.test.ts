import { describe, expect, test } from "bun:test";
import { generateKeyPairSigner } from "@solana/kit";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import {
  base58Decode,
  BatchSettlementClientScheme,
  BatchSettlementFacilitatorScheme,
  BatchSettlementServerScheme,
  decodeIntent,
  intentSignerFromKeyPair,
  machpayNetwork,
  Reasons,
  USDC_MINTS,
  type BatchSettlementLedger,
  type Commitment,
} from "../src/index";

// The three sides of the scheme without a ledger: what the client signs, the protocol rules the
// facilitator applies before it asks the ledger anything, and how a server prices a route. The
// ledger's half is tested through the backend's /x402 routes (test/x402/ at the repository root).

const NOW = 1_900_000_000_000;
const network = machpayNetwork("mainnet");
const agent = await generateKeyPairSigner();
const gateway = (await generateKeyPairSigner()).address;

const requirements: PaymentRequirements = { scheme: "batch-settlement", network, amount: "10000", asset: USDC_MINTS.mainnet, payTo: gateway, maxTimeoutSeconds: 60, extra: {} };
const client = new BatchSettlementClientScheme(intentSignerFromKeyPair(agent), { now: () => NOW, nonce: () => 42n });

async function paid(req: PaymentRequirements = requirements): Promise<PaymentPayload> {
  const { payload } = await client.createPaymentPayload(2, req);
  return { x402Version: 2, accepted: req, payload };
}

/** A ledger that answers yes and remembers what it was asked. */
function recordingLedger() {
  const asked: Commitment[] = [];
  const ledger: BatchSettlementLedger = {
    verify: async (c) => (asked.push(c), { ok: true, payer: c.intent.agent }),
    settle: async (c) => (asked.push(c), { ok: true, transaction: "tx_1", payer: c.intent.agent }),
  };
  return { ledger, asked };
}

describe("the client", () => {
  test("signs a 121-byte MachPay intent: the agent's key, payTo as gateway, asset as mint, the amount, a deadline maxTimeoutSeconds away", async () => {
    const { payload } = await paid();
    const bytes = Uint8Array.from(atob(payload.intent as string), (c) => c.charCodeAt(0));
    expect(decodeIntent(bytes)).toEqual({ agent: agent.address, gateway, mint: USDC_MINTS.mainnet, amount: 10_000n, nonce: 42n, deadline: BigInt(NOW / 1000 + 60) });
    const signature = base58Decode(payload.signature as string)!;
    expect(await crypto.subtle.verify("Ed25519", agent.keyPair.publicKey, new Uint8Array(signature), bytes)).toBe(true);
  });

  test("draws a fresh random nonce for every payment by default", async () => {
    const random = new BatchSettlementClientScheme(intentSignerFromKeyPair(agent));
    const nonces = new Set<bigint>();
    for (let i = 0; i < 5; i++) {
      const { payload } = await random.createPaymentPayload(2, requirements);
      nonces.add(decodeIntent(Uint8Array.from(atob(payload.intent as string), (c) => c.charCodeAt(0)))!.nonce);
    }
    expect(nonces.size).toBe(5);
  });

  test("refuses above the spend cap x402Client hands it, another version, another network, a bad payTo", async () => {
    await expect(client.createPaymentPayload(2, requirements, { maxAmountPerPayment: "9999" })).rejects.toThrow("above this client's cap");
    await expect(client.createPaymentPayload(1, requirements)).rejects.toThrow("version 2");
    await expect(client.createPaymentPayload(2, { ...requirements, network: "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1" })).rejects.toThrow("not a MachPay");
    await expect(client.createPaymentPayload(2, { ...requirements, payTo: "merchant" })).rejects.toThrow("base58 keys of 32 bytes");
    await expect(client.createPaymentPayload(2, { ...requirements, amount: "0" })).rejects.toThrow("atomic units");
  });

  test("names USDC as its default asset on MachPay networks only (x402Client's $ caps)", () => {
    expect(client.findDefaultAsset(USDC_MINTS.mainnet, network)).toEqual({ asset: USDC_MINTS.mainnet, decimals: 6, symbol: "USDC" });
    expect(client.findDefaultAsset(USDC_MINTS.mainnet, "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp")).toBeUndefined();
  });
});

describe("the facilitator's protocol rules", () => {
  const facilitator = (ledger: BatchSettlementLedger, nowMs = NOW) => new BatchSettlementFacilitatorScheme(ledger, { now: () => nowMs, extra: { asset: USDC_MINTS.mainnet } });

  test("a valid commitment reaches the ledger, and settle names the ledger's transaction", async () => {
    const { ledger, asked } = recordingLedger();
    const f = facilitator(ledger);
    const payload = await paid();
    expect(await f.verify(payload, requirements)).toEqual({ isValid: true, payer: agent.address });
    expect(await f.settle(payload, requirements)).toEqual({ success: true, transaction: "tx_1", network, payer: agent.address, amount: "10000" });
    expect(asked.map((c) => c.intent.nonce)).toEqual([42n, 42n]);
    expect(f.getSigners(network)).toEqual([]);
    expect(f.getExtra(network)).toEqual({ asset: USDC_MINTS.mainnet });
  });

  const refusals: [string, () => Promise<[PaymentPayload, PaymentRequirements]>, string, number?][] = [
    ["another network", async () => [await paid(), { ...requirements, network: machpayNetwork("devnet") }], Reasons.network],
    ["another amount", async () => [{ ...(await paid()), accepted: { ...requirements, amount: "1" } }, { ...requirements, amount: "1" }], Reasons.amountMismatch],
    ["another asset", async () => [{ ...(await paid()), accepted: { ...requirements, asset: USDC_MINTS.devnet } }, { ...requirements, asset: USDC_MINTS.devnet }], Reasons.assetMismatch],
    ["another payTo", async () => [{ ...(await paid()), accepted: { ...requirements, payTo: agent.address } }, { ...requirements, payTo: agent.address }], Reasons.recipientMismatch],
    ["accepted is not the requirements", async () => [await paid(), { ...requirements, amount: "20000" }], Reasons.acceptedMismatch],
    ["another scheme", async () => [await paid(), { ...requirements, scheme: "exact" }], Reasons.scheme],
    ["x402 version 1", async () => [{ ...(await paid()), x402Version: 1 }, requirements], Reasons.x402Version],
    ["a payload that is not an intent", async () => [{ ...(await paid()), payload: { intent: "AAAA", signature: "x" } }, requirements], Reasons.payload],
    ["an intent of another length", async () => [{ ...(await paid()), payload: { ...(await paid()).payload, intent: btoa("x".repeat(120)) } }, requirements], Reasons.intent],
    ["an expired intent", async () => [await paid(), requirements], Reasons.expired, NOW + 61_000],
    ["a deadline further than maxTimeoutSeconds", async () => [await paid({ ...requirements, maxTimeoutSeconds: 600 }), requirements], Reasons.deadlineTooFar],
  ];

  for (const [what, make, reason, nowMs] of refusals) {
    test(`refuses ${what} (${reason}) without asking the ledger, in verify and in settle`, async () => {
      const { ledger, asked } = recordingLedger();
      const f = facilitator(ledger, nowMs);
      const [payload, req] = await make();
      const verdict = await f.verify(payload, req);
      expect(verdict).toMatchObject({ isValid: false, invalidReason: reason });
      expect(typeof verdict.invalidMessage).toBe("string");
      expect(await f.settle(payload, req)).toMatchObject({ success: false, errorReason: reason, transaction: "", network: req.network });
      expect(asked).toEqual([]);
    });
  }

  test("the ledger's refusal is passed on with the agent as payer", async () => {
    const f = facilitator({
      verify: async () => ({ ok: false, reason: Reasons.insufficientFunds, message: "balance 0" }),
      settle: async () => ({ ok: false, reason: "invalid_machpay_nonce_already_used" }),
    });
    const payload = await paid();
    expect(await f.verify(payload, requirements)).toEqual({ isValid: false, invalidReason: "insufficient_funds", invalidMessage: "balance 0", payer: agent.address });
    expect(await f.settle(payload, requirements)).toEqual({ success: false, errorReason: "invalid_machpay_nonce_already_used", payer: agent.address, transaction: "", network });
  });
});

describe("the resource server's prices", () => {
  const server = new BatchSettlementServerScheme();
  test("a $ price is USDC's atomic units of the network's cluster; an AssetAmount passes as it is", async () => {
    expect(await server.parsePrice("$0.01", network)).toEqual({ amount: "10000", asset: USDC_MINTS.mainnet, extra: {} });
    expect(await server.parsePrice("0.25 USDC", machpayNetwork("devnet"))).toEqual({ amount: "250000", asset: USDC_MINTS.devnet, extra: {} });
    expect(await server.parsePrice({ amount: "7", asset: "So11111111111111111111111111111111111111112" }, network)).toEqual({ amount: "7", asset: "So11111111111111111111111111111111111111112", extra: {} });
    await expect(server.parsePrice("$0.01", "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp")).rejects.toThrow("not a MachPay network");
    await expect(server.parsePrice("$0.0000001", network)).rejects.toThrow("less than one atomic unit");
    await expect(server.parsePrice("1 EURC", network)).rejects.toThrow("USDC");
  });

  test("passes the facilitator's extra to clients, and names a mint mismatch with the facilitator's ledger", async () => {
    const kind = { x402Version: 2, scheme: "batch-settlement", network, extra: { asset: USDC_MINTS.mainnet } };
    expect((await server.enhancePaymentRequirements(requirements, kind)).extra).toEqual({ asset: USDC_MINTS.mainnet });
    expect(server.validateFacilitatorSupport(network, kind)).toBeUndefined();
    expect(server.validateFacilitatorSupport(machpayNetwork("devnet"), kind)).toContain("ledger holds");
    expect(server.paymentFlows.default?.default).toBe("authorization");
  });
});
