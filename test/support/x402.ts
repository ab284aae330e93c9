import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { BatchSettlementClientScheme, machpayNetwork, type ClientOptions, type IntentSigner } from "../../packages/x402-machpay";
import type { TestApp } from "./app";
import { json } from "./http";
import type { TestWallet } from "./solana-keys";

// x402 through MachPay's facilitator: payloads built by the schemes' own clients (the package's
// batch-settlement client, @x402/svm's exact client), sent to /x402/verify and /x402/settle as
// HTTPFacilitatorClient sends them.

/** A linked agent key as the batch-settlement client's signer. */
export const intentSigner = (wallet: TestWallet): IntentSigner => ({ address: wallet.address, signIntent: (bytes) => wallet.sign(bytes) });

/** The batch-settlement network of a test app (its SOLANA_CLUSTER). */
export const batchNetwork = (t: TestApp) => machpayNetwork(t.config.SOLANA_CLUSTER);

export function batchRequirements(t: TestApp, payTo: string, amount: bigint, overrides: Partial<PaymentRequirements> = {}): PaymentRequirements {
  return { scheme: "batch-settlement", network: batchNetwork(t), amount: amount.toString(), asset: t.config.USDC_MINT, payTo, maxTimeoutSeconds: 60, extra: {}, ...overrides };
}

/** What an agent's x402Client sends for these requirements (signed with its linked key). */
export async function batchPayload(agent: TestWallet, requirements: PaymentRequirements, options: ClientOptions = {}): Promise<PaymentPayload> {
  const { payload } = await new BatchSettlementClientScheme(intentSigner(agent), options).createPaymentPayload(2, requirements);
  return { x402Version: 2, resource: { url: "https://api.example.test/paid" }, accepted: requirements, payload };
}

/** POST /x402/<op> with a gateway key, the body HTTPFacilitatorClient sends. */
export async function facilitate(t: TestApp, op: "verify" | "settle", key: string | undefined, payload: PaymentPayload, requirements: PaymentRequirements, x402Version = 2) {
  const res = await fetch(`${t.url}/x402/${op}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ x402Version, paymentPayload: payload, paymentRequirements: requirements }),
  });
  return { res, status: res.status, body: await json(res) };
}

/** The transactions rows an agent paid and a vendor received through x402. */
export interface X402Row {
  id: string;
  source: string;
  from_agent_id: bigint | null;
  amount_atomic: bigint;
  fee_atomic: bigint;
  tx_signature: string | null;
  payer_address: string | null;
  settled_at: Date | null;
}

export async function x402Rows(t: TestApp, vendorId: bigint): Promise<X402Row[]> {
  const rows = await t.sql<X402Row[]>`
    SELECT id, source, from_agent_id, amount_atomic, fee_atomic, tx_signature, payer_address, settled_at
    FROM transactions WHERE to_vendor_id = ${vendorId} AND source IN ('x402', 'x402_exact') ORDER BY created_at, id`;
  return [...rows];
}
