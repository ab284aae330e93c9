import type { FacilitatorContext, FacilitatorExtension } from "@x402/core/types";
import { AppError } from "@/core/errors";
import { payFromGateway, previewGatewayPayment, type GatewayPayCtx } from "@/ledger";
import { ledgerReason, type BatchSettlementLedger, type Commitment, type LedgerSettlement, type LedgerVerdict } from "../../packages/x402-machpay";

// batch-settlement's ledger half, bound to MachPay's ledger through its index: verify is
// previewGatewayPayment (the gateway path's every rule, nothing spent), settle is payFromGateway
// with source "x402" (the payment engine's group commit; the intent's nonce spent once, whatever
// surface carries it). The caller (the vendor whose gateway key called) travels in the
// FacilitatorContext x402 hands every scheme call, as the extension below.

export const CALLER_EXTENSION = "machpay:caller";

interface CallerExtension extends FacilitatorExtension {
  key: typeof CALLER_EXTENSION;
  ctx: GatewayPayCtx;
  /** performance.now() when the request arrived (payment deadline and latency). */
  receivedAt: number;
}

/** The FacilitatorContext of one request's scheme call. */
export function callerContext(ctx: GatewayPayCtx, receivedAt: number): FacilitatorContext {
  const caller: CallerExtension = { key: CALLER_EXTENSION, ctx, receivedAt };
  return { getExtension: <T extends FacilitatorExtension>(key: string) => (key === CALLER_EXTENSION ? (caller as unknown as T) : undefined) };
}

function callerOf(context: FacilitatorContext | undefined): CallerExtension {
  const caller = context?.getExtension<CallerExtension>(CALLER_EXTENSION);
  // SAFETY net: the scheme is only called by this module's verbs, which always pass one.
  if (!caller) throw new Error("batch-settlement called without its caller context");
  return caller;
}

/** A refusal the ledger gave (4xx) as the scheme's answer; anything else (a 503) is the request's answer. */
function refusal(err: unknown): { ok: false; reason: string; message: string } {
  if (err instanceof AppError && err.status < 500) return { ok: false, reason: ledgerReason(err.code), message: err.message };
  throw err;
}

export const batchLedger: BatchSettlementLedger = {
  async verify(c: Commitment, context?: FacilitatorContext): Promise<LedgerVerdict> {
    const { ctx } = callerOf(context);
    try {
      const preview = await previewGatewayPayment(ctx, { intent: c.bytes, signature: c.signature });
      return { ok: true, payer: preview.agentPubkey };
    } catch (err) {
      return refusal(err);
    }
  },

  async settle(c: Commitment, context?: FacilitatorContext): Promise<LedgerSettlement> {
    const { ctx, receivedAt } = callerOf(context);
    let outcome;
    try {
      outcome = await payFromGateway(ctx, { intent: c.bytes, signature: c.signature, receivedAt, source: "x402" });
    } catch (err) {
      return refusal(err);
    }
    if (outcome.kind === "paid") return { ok: true, transaction: outcome.transaction.id, payer: c.intent.agent };
    // Without an Idempotency-Key nothing is replayed; a refusal at 5xx (the deadline passed, the
    // database is gone) is not the payment's fault and is answered as the gateway path answers it.
    if (outcome.kind === "refused") return refusal(outcome.error);
    throw new Error("a settle without an Idempotency-Key cannot be a replay");
  },
};
