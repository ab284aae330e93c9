import type { AppError } from "@/core/errors";

/** Where a payment came from; "x402": a batch-settlement commitment settled through /x402/settle. */
export type PaymentSource = "api" | "gateway" | "simulation" | "x402";
/** A transactions row's source: the engine's payments, and "x402_exact", recorded as settled on chain (sql/0018). */
export type TransactionSource = PaymentSource | "x402_exact";

/** One payment, resolved and authenticated, as the engine applies it. */
export interface PaymentRequest {
  agentId: bigint;
  vendorId: bigint;
  serviceId: string | null;
  amount: bigint;
  mint: string;
  reference: string | null;
  source: PaymentSource;
  region: string | null;
  /** performance.now() when the request arrived: transactions.latency_ms is measured from it. */
  receivedAt: number;
  /** A signed gateway intent: its (agent key, nonce) is spent by this submission. */
  intent?: { agentPubkey: string; gatewayPubkey: string; nonce: bigint; deadline: bigint; signature: string; hash: string };
  /** Idempotency-Key: claimed, and its outcome stored, in the payment's own transaction. */
  idempotency?: {
    userId: bigint;
    key: string;
    requestHash: string;
    /** Stored with a refusal, so that a retry is answered with the first request's id. */
    requestId?: string;
  };
}

export interface TransactionRecord {
  id: string;
  hash: string;
  /** Null for an on-chain x402 payment only: its payer is a wallet, not a ledger account. */
  from_agent_id: bigint | null;
  to_vendor_id: bigint;
  service_id: string | null;
  amount_atomic: bigint;
  fee_atomic: bigint;
  token_mint: string;
  status: "confirmed" | "failed" | "reversed";
  latency_ms: number | null;
  reference: string | null;
  source: TransactionSource;
  region: string | null;
  intent_id: string | null;
  settled_at: Date | null;
  created_at: Date;
  /** An on-chain x402 payment's paying wallet and Solana signature (absent or null otherwise). */
  payer_address?: string | null;
  tx_signature?: string | null;
}

export interface BalanceAfter {
  available_atomic: bigint;
  bonded_atomic: bigint;
  pending_atomic: bigint;
}

/**
 * What became of a payment. `replayed`: the outcome stored under its Idempotency-Key by an earlier
 * request (`requestId` then names the request that was refused first).
 */
export type PaymentOutcome =
  | { kind: "paid"; transaction: TransactionRecord; balance: BalanceAfter; lowBalance: boolean; replayed?: true }
  | { kind: "refused"; error: AppError; replayed?: true; requestId?: string }
  /** An answer stored as HTTP by a version before 0014, replayed as it was. */
  | { kind: "replay"; status: number; body: unknown };
