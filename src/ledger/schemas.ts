import { z } from "@hono/zod-openapi";
import { AtomicAmountSchema, DigitIdSchema, PositiveAtomicSchema } from "@/core/number-schemas";
import { SignatureSchema } from "@/core/solana";
import { ErrorBodySchema } from "@/http/errors";
import type { BalanceAfter, TransactionRecord } from "./engine/types";

// Examples for the reference (/docs): one agent paying one service, in USDC (6 decimals).
const USDC_MINT = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";
const BALANCE_EXAMPLE = { available_atomic: "24995000", bonded_atomic: "10000000", pending_atomic: "0", token_mint: USDC_MINT };
const TRANSACTION_EXAMPLE = {
  id: "tx_4fQ7Zr0kXbN2yTq8WcLm9a",
  hash: "9f2c4e1a7b3d5f60a1c2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f708192",
  from_agent_id: "17",
  to_vendor_id: "42",
  service_id: "openai-gpt4",
  amount_atomic: "5000",
  fee_atomic: "0",
  token_mint: USDC_MINT,
  status: "confirmed" as const,
  latency_ms: 3,
  reference: "job-2026-12-03-0001",
  source: "api" as const,
  region: "eu-west",
  intent_id: null,
  settled_at: null,
  created_at: "2026-12-03T08:00:00.000Z",
  payer_address: null,
  tx_signature: null,
};

const atomic = (description: string) => z.string().regex(/^\d+$/).openapi({ description, example: "25000000" });

export { PositiveAtomicSchema };

export const BalanceSchema = z
  .object({
    available_atomic: atomic("Spendable now"),
    bonded_atomic: atomic("Staked as a bond; not spendable until withdrawn"),
    pending_atomic: atomic("Signed intents awaiting settlement on chain"),
    token_mint: z.string().openapi({ description: "The mint the amounts are in (USDC: 6 decimals)" }),
  })
  .openapi("Balance", { example: BALANCE_EXAMPLE });

export const TransactionSchema = z
  .object({
    id: z.string().openapi({ example: "tx_4fQ7Zr0kXbN2yTq8WcLm9a" }),
    hash: z.string(),
    from_agent_id: z.string().nullable().openapi({ description: "The paying agent; null for an x402 exact payment, paid on chain by a wallet" }),
    to_vendor_id: z.string(),
    service_id: z.string().nullable(),
    amount_atomic: atomic("Paid by the agent"),
    fee_atomic: atomic("Platform fee out of amount_atomic"),
    token_mint: z.string(),
    status: z.enum(["confirmed", "failed", "reversed"]),
    latency_ms: z.number().int().nullable(),
    reference: z.string().nullable(),
    source: z.enum(["api", "gateway", "simulation", "x402", "x402_exact"]).openapi({
      description: "x402: an x402 batch-settlement payment (a signed intent, committed in the ledger); x402_exact: an x402 exact payment settled on chain, no ledger balance moved",
    }),
    region: z.string().nullable(),
    intent_id: z.string().nullable(),
    settled_at: z.string().nullable(),
    created_at: z.string().openapi({ format: "date-time" }),
    payer_address: z.string().nullable().openapi({ description: "x402_exact: the wallet that paid" }),
    tx_signature: z.string().nullable().openapi({ description: "x402_exact: the Solana transaction that paid the vendor" }),
  })
  .openapi("Transaction", { example: TRANSACTION_EXAMPLE });

export type TransactionDTO = z.infer<typeof TransactionSchema>;

export function toTransactionDTO(t: TransactionRecord): TransactionDTO {
  return {
    id: t.id,
    hash: t.hash,
    from_agent_id: t.from_agent_id?.toString() ?? null,
    to_vendor_id: t.to_vendor_id.toString(),
    service_id: t.service_id,
    amount_atomic: t.amount_atomic.toString(),
    fee_atomic: t.fee_atomic.toString(),
    token_mint: t.token_mint,
    status: t.status,
    latency_ms: t.latency_ms,
    reference: t.reference,
    source: t.source,
    region: t.region,
    intent_id: t.intent_id,
    settled_at: t.settled_at?.toISOString() ?? null,
    created_at: t.created_at.toISOString(),
    payer_address: t.payer_address ?? null,
    tx_signature: t.tx_signature ?? null,
  };
}

export const toBalanceDTO = (b: BalanceAfter, mint: string) => ({
  available_atomic: b.available_atomic.toString(),
  bonded_atomic: b.bonded_atomic.toString(),
  pending_atomic: b.pending_atomic.toString(),
  token_mint: mint,
});

export const PayRequestSchema = z
  .object({
    to: z.string().min(1).max(64).openapi({ description: "A service id (e.g. openai-gpt4) or a vendor's user id", example: "openai-gpt4" }),
    amount_atomic: PositiveAtomicSchema,
    reference: z.string().min(1).max(128).optional().openapi({ description: "Your own reference, kept on the transaction", example: "job-2026-12-03-0001" }),
  })
  .openapi("PayRequest", { example: { to: "openai-gpt4", amount_atomic: "5000", reference: "job-2026-12-03-0001" } });

export const PaymentResultSchema = z
  .object({ transaction: TransactionSchema, balance: BalanceSchema })
  .openapi("PaymentResult", { example: { transaction: TRANSACTION_EXAMPLE, balance: BALANCE_EXAMPLE } });

export const GatewayPaymentRequestSchema = z
  .object({
    intent: z
      .string()
      .regex(/^[A-Za-z0-9+/]+={0,2}$/, "expected base64")
      .openapi({ description: "The 121-byte payment intent, base64: u8 0x01 | agent pubkey 32 | gateway pubkey 32 | mint 32 | amount u64 | nonce u64 | deadline i64 (little-endian)" }),
    signature: SignatureSchema.openapi({ description: "The agent key's Ed25519 signature of the 121 bytes, base58" }),
    service_id: z.string().min(1).max(64).optional(),
    reference: z.string().min(1).max(128).optional(),
    region: z.string().min(1).max(32).optional(),
  })
  .openapi("GatewayPaymentRequest", {
    example: {
      intent: "AdTwvFop3ga1EPmqQo8e7bqSYBK1kf73pRjndqfJvRgkTqXuaP6gVYYQaJDe1XM4ILt32RnNonvEuBObfNM7iIncbxe77IJP/4+GWHlmsgR9tqtzZ4WEAVHxPR2rEk4qVIgTAAAAAAAAAQAAAAAAAAAs7y9pAAAAAA==",
      signature: "5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW",
      service_id: "openai-gpt4",
      reference: "gw-req-000123",
      region: "eu-west",
    },
  });

/** What a gateway learns of an agent key before serving it (GET /v1/gateway/agents/{pubkey}). */
export const GatewayAgentSchema = z
  .object({
    linked: z.boolean(),
    agent_id: z.string().nullable(),
    status: z.enum(["ACTIVE", "SUSPENDED"]).nullable(),
    available_atomic: z.string().openapi({ description: "Spendable balance in atomic units; \"0\" when not linked" }),
  })
  .openapi("GatewayAgent", { example: { linked: true, agent_id: "17", status: "ACTIVE", available_atomic: "24995000" } });

export const GatewayPaymentResultSchema = z
  .object({ transaction: TransactionSchema })
  .openapi("GatewayPaymentResult", { example: { transaction: { ...TRANSACTION_EXAMPLE, source: "gateway" as const, reference: "gw-req-000123" } } });

/** POST /v1/gateway/payments/batch: `max` is GATEWAY_BATCH_MAX. */
export const gatewayPaymentBatchRequestSchema = (max: number) =>
  z
    .object({
      payments: z.array(GatewayPaymentRequestSchema).min(1).max(max).openapi({ description: `1 to ${max} intents, each as POST /v1/gateway/payments takes it` }),
    })
    .openapi("GatewayPaymentBatchRequest");

export const GatewayPaymentBatchResultSchema = z
  .object({
    results: z
      .array(
        z.object({
          status: z.number().int().openapi({ description: "What POST /v1/gateway/payments would have answered for this intent: 201, or the refusal's status" }),
          replayed: z.boolean().openapi({ description: "The outcome was stored by an earlier request under the batch's Idempotency-Key" }),
          body: z.union([GatewayPaymentResultSchema, ErrorBodySchema]).openapi({ description: "That answer's body: the transaction, or the error envelope" }),
        }),
      )
      .openapi({ description: "One per intent, in the request's order" }),
    paid: z.number().int().openapi({ description: "How many results are 201" }),
    refused: z.number().int(),
  })
  .openapi("GatewayPaymentBatchResult");

export const BondRequestSchema = z.object({ amount_atomic: PositiveAtomicSchema }).openapi("BondRequest", { example: { amount_atomic: "10000000" } });

const nullableAtomic = AtomicAmountSchema.nullable();

export const LimitsSchema = z
  .object({
    per_payment_max_atomic: nullableAtomic.openapi({ description: "Largest single payment; null = no limit" }),
    daily_max_atomic: nullableAtomic.openapi({ description: "Most spent per UTC day; null = no limit" }),
    allowed_vendor_ids: z.array(DigitIdSchema).max(1000).nullable().openapi({ description: "Only these vendors may be paid; null = any" }),
  })
  .openapi("Limits", { example: { per_payment_max_atomic: "1000000", daily_max_atomic: "50000000", allowed_vendor_ids: null } });

export const SettingsSchema = z
  .object({
    settlement_mode: z.enum(["ledger", "onchain"]).openapi({
      description: "ledger: payments debit the deposited balance. onchain: signed intents are settled on chain from the agent's wallet, secured by its bond",
    }),
    low_balance_threshold_atomic: AtomicAmountSchema.openapi({ description: "A low-balance alert fires when available drops below this" }),
  })
  .openapi("AgentSettings", { example: { settlement_mode: "ledger", low_balance_threshold_atomic: "5000000" } });

export const TransactionListSchema = z
  .object({ data: z.array(TransactionSchema), next_cursor: z.string().nullable() })
  .openapi("TransactionList", { example: { data: [TRANSACTION_EXAMPLE], next_cursor: "eyJpZCI6InR4XzRmUTdaciJ9" } });
