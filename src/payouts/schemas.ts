import { z } from "@hono/zod-openapi";
import { atomicToDecimal } from "@/core/money";
import { DigitIdSchema, PositiveAtomicSchema } from "@/core/number-schemas";
import { WalletAddressSchema } from "@/core/solana";
import { VendorTelemetrySchema, type VendorTelemetry } from "@/telemetry";
import type { PayoutRow, VendorStatsRow } from "./queries";

export const PayoutRequestSchema = z
  .object({
    amount: z
      .union([z.string(), z.number()])
      .optional()
      .openapi({ description: "In USDC, as lld-backend.md shows it (500.00 or \"500.00\"); at most 6 decimals; as a JSON number, below 10^9 (larger amounts as a string). Or give amount_atomic.", example: "500.00" }),
    amount_atomic: PositiveAtomicSchema.optional(),
    destinationWallet: WalletAddressSchema.optional().openapi({ description: "Solana wallet to pay; defaults to the profile's withdrawal address" }),
    reference: z.string().trim().min(1).max(128).openapi({ description: "Your reference, unique per vendor", example: "payout_001" }),
  })
  .openapi("PayoutRequest", { example: { amount: "500.00", reference: "payout_001" } });

export const PayoutSchema = z
  .object({
    id: z.string(),
    vendor_id: z.string(),
    amount_atomic: z.string(),
    amount: z.string().openapi({ description: "amount_atomic in USDC, with the mint's decimals" }),
    token_mint: z.string(),
    destinationWallet: z.string(),
    reference: z.string(),
    status: z.enum(["PENDING", "PROCESSING", "CONFIRMED", "FAILED"]),
    tx_hash: z.string().nullable(),
    failure_reason: z.string().nullable(),
    created_at: z.string().openapi({ format: "date-time" }),
    updated_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Payout", {
    example: {
      id: "31",
      vendor_id: "42",
      amount_atomic: "500000000",
      amount: "500.000000",
      token_mint: "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
      destinationWallet: "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU",
      reference: "payout_001",
      status: "PENDING",
      tx_hash: null,
      failure_reason: null,
      created_at: "2026-12-03T08:00:00.000Z",
      updated_at: "2026-12-03T08:00:00.000Z",
    },
  });

export const PayoutListSchema = z.object({ data: z.array(PayoutSchema), next_cursor: z.string().nullable() }).openapi("PayoutList");

export const VendorStatsSchema = z
  .object({
    revenue_atomic: z.string().openapi({ description: "Earned from confirmed payments, after fees" }),
    payment_count: z.number().int(),
    unsettled_atomic: z.string().openapi({ description: "Earned and not yet paid out" }),
    settled_atomic: z.string().openapi({ description: "Paid on chain: confirmed payouts, and x402 exact payments (settled straight to the vendor's wallet)" }),
    payouts_pending_atomic: z.string(),
    debt_atomic: z.string().openapi({ description: "Owed after a settlement failure reversed more than the unsettled balance held" }),
    latency_ms: z
      .object({ avg: z.number().nullable(), p50: z.number().nullable(), p95: z.number().nullable() })
      .openapi({ description: "Request-to-commit latency of the vendor's payments in ms, from the ledger (its transactions)" }),
    token_mint: z.string(),
    telemetry: VendorTelemetrySchema.optional(),
  })
  .openapi("VendorStats", {
    example: {
      revenue_atomic: "1250000000",
      payment_count: 250000,
      unsettled_atomic: "750000000",
      settled_atomic: "500000000",
      payouts_pending_atomic: "0",
      debt_atomic: "0",
      latency_ms: { avg: 3.2, p50: 2, p95: 7 },
      token_mint: "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
    },
  });

export const toPayoutDTO = (p: PayoutRow, decimals: number): z.infer<typeof PayoutSchema> => ({
  id: p.id,
  vendor_id: p.vendor_id.toString(),
  amount_atomic: p.amount_atomic.toString(),
  amount: atomicToDecimal(p.amount_atomic, decimals),
  token_mint: p.token_mint,
  destinationWallet: p.destination_wallet,
  reference: p.reference,
  status: p.status,
  tx_hash: p.tx_hash,
  failure_reason: p.failure_reason,
  created_at: p.created_at.toISOString(),
  updated_at: p.updated_at.toISOString(),
});

const round = (n: number | null) => (n === null ? null : Math.round(n * 100) / 100);

export const toStatsDTO = (s: VendorStatsRow, mint: string, telemetry?: VendorTelemetry): z.infer<typeof VendorStatsSchema> => ({
  revenue_atomic: s.revenue.toString(),
  payment_count: Number(s.payment_count),
  unsettled_atomic: s.unsettled.toString(),
  settled_atomic: s.settled.toString(),
  payouts_pending_atomic: s.payouts_open.toString(),
  debt_atomic: s.debt.toString(),
  latency_ms: { avg: round(s.latency_avg), p50: round(s.latency_p50), p95: round(s.latency_p95) },
  token_mint: mint,
  // Absent rather than null without telemetry: the answer is then exactly what it was before it.
  ...(telemetry ? { telemetry } : {}),
});

export const ReconEventSchema = z
  .object({
    id: z.string().min(1).max(128).optional().openapi({ description: "Event id; processing is exactly once per id (default: type + target)" }),
    type: z.enum(["settlement.confirmed", "settlement.failed"]),
    intent_id: z.string().uuid().optional(),
    payout_id: z.string().min(1).max(64).optional(),
    tx_signature: z.string().min(1).max(88).optional(),
    vendor_id: DigitIdSchema.optional(),
    amount: PositiveAtomicSchema.optional().openapi({ description: "Atomic units of the failed intent" }),
    reason: z.string().max(500).optional(),
  })
  .openapi("ReconEvent", {
    example: { id: "evt_7c1e", type: "settlement.failed", intent_id: "3f1c2a9e-5b7d-4e21-9a0c-6d8e4f2b1a37", vendor_id: "42", amount: "5000", reason: "agent wallet empty at settlement" },
  });

export const ReconResultSchema = z
  .object({ status: z.enum(["processed", "duplicate", "no_change"]), event_id: z.string() })
  .openapi("ReconResult", { example: { status: "processed", event_id: "evt_7c1e" } });
