import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { base58Bytes, base64Decode } from "./encoding";
import { AMOUNT_MAX, decodeIntent, INTENT_LENGTH, type Intent } from "./intent";
import { BATCH_SETTLEMENT, isMachPayNetwork } from "./network";
import { Reasons } from "./reasons";

// A batch-settlement payment checked against its requirements by the rules that need no ledger:
// the x402 envelope (version, scheme, network, `accepted` = the requirements), the payload's
// form, and the intent's fields against the requirements (amount, asset, payTo, deadline). What
// is left (signature, key links, balance, limits, nonce) is the ledger's to check.

/** The payload of a batch-settlement PaymentPayload. */
export interface BatchSettlementPayload {
  /** The 121 intent bytes, standard base64. */
  intent: string;
  /** The agent key's Ed25519 signature of them, base58. */
  signature: string;
}

export interface Commitment {
  intent: Intent;
  /** The 121 bytes the signature covers. */
  bytes: Uint8Array;
  signature: string;
  signatureBytes: Uint8Array;
  requirements: PaymentRequirements;
}

export type Checked = { ok: true; commitment: Commitment } | { ok: false; reason: string; message: string; payer?: string };

const refuse = (reason: string, message: string, payer?: string): Checked => ({ ok: false, reason, message, ...(payer ? { payer } : {}) });

/** An atomic amount as x402 writes it (digits), within the ledger's range; undefined otherwise. */
export function atomicAmount(text: unknown): bigint | undefined {
  if (typeof text !== "string" || !/^\d{1,20}$/.test(text)) return undefined;
  const value = BigInt(text);
  return value >= 1n && value <= AMOUNT_MAX ? value : undefined;
}

/** The fields `accepted` must share with the requirements (extra may differ: a server adds to it). */
const MATCHED = ["scheme", "network", "amount", "asset", "payTo"] as const;

export function checkCommitment(payload: PaymentPayload, requirements: PaymentRequirements, options: { nowSeconds: number; maxClockSkewSeconds: number }): Checked {
  if (payload.x402Version !== 2) return refuse(Reasons.x402Version, "batch-settlement is an x402 version 2 scheme");
  if (requirements.scheme !== BATCH_SETTLEMENT) return refuse(Reasons.scheme, `this facilitator scheme is ${BATCH_SETTLEMENT}, not ${String(requirements.scheme)}`);
  if (!isMachPayNetwork(requirements.network)) return refuse(Reasons.network, `${String(requirements.network)} is not a MachPay network`);
  const accepted = payload.accepted as Partial<PaymentRequirements> | undefined;
  const differs = MATCHED.find((k) => accepted?.[k] !== requirements[k]);
  if (differs) return refuse(differs === "network" ? Reasons.network : Reasons.acceptedMismatch, `the payload accepted another ${differs} than the requirements name`);
  const amount = atomicAmount(requirements.amount);
  if (amount === undefined) return refuse(Reasons.requirements, "requirements.amount must be atomic units (digits), 1 to 2^63-1");
  if (!Number.isSafeInteger(requirements.maxTimeoutSeconds) || requirements.maxTimeoutSeconds < 1) {
    return refuse(Reasons.requirements, "requirements.maxTimeoutSeconds must be a positive integer");
  }

  const raw = payload.payload as Partial<Record<keyof BatchSettlementPayload, unknown>> | undefined;
  const bytes = base64Decode(raw?.intent, INTENT_LENGTH);
  const signatureBytes = base58Bytes(raw?.signature, 64);
  if (!bytes || !signatureBytes) return refuse(Reasons.payload, "payload must be {intent: base64 of the 121-byte intent, signature: base58 of 64 bytes}");
  const intent = decodeIntent(bytes);
  if (!intent) return refuse(Reasons.intent, `the intent must be ${INTENT_LENGTH} bytes of version 1`);
  const payer = intent.agent;
  if (intent.mint !== requirements.asset) return refuse(Reasons.assetMismatch, "the intent's mint is not the required asset", payer);
  if (intent.amount !== amount) return refuse(Reasons.amountMismatch, `the intent pays ${intent.amount}, the requirements ask ${amount}`, payer);
  if (intent.gateway !== requirements.payTo) return refuse(Reasons.recipientMismatch, "the intent names another gateway than payTo", payer);
  const now = BigInt(options.nowSeconds);
  if (intent.deadline <= now) return refuse(Reasons.expired, "the intent's deadline has passed", payer);
  // A commitment lives no longer than the server asked (plus clock skew between agent and us).
  if (intent.deadline > now + BigInt(requirements.maxTimeoutSeconds + options.maxClockSkewSeconds)) {
    return refuse(Reasons.deadlineTooFar, `the intent's deadline is more than maxTimeoutSeconds (${requirements.maxTimeoutSeconds} s) away`, payer);
  }
  return { ok: true, commitment: { intent, bytes, signature: raw!.signature as string, signatureBytes, requirements } };
}
