import type { FacilitatorContext, Network, PaymentPayload, PaymentRequirements, SchemeNetworkFacilitator, SettleResponse, VerifyResponse } from "@x402/core/types";
import { checkCommitment, type Commitment } from "./commitment";
import { BATCH_SETTLEMENT, MACHPAY_FAMILY } from "./network";
import { Reasons } from "./reasons";

// The facilitator's side. The protocol rules (commitment.ts) are checked here; the rest needs
// MachPay's ledger, which the facilitator plugs in as a BatchSettlementLedger: `verify` checks the
// signature, the keys' links, balance, limits and the nonce without spending anything; `settle`
// commits the payment (once per intent nonce) and names its ledger transaction, the commitment
// identifier x402's batch-settlement asks for. Value leaves the ledger later, by vendor payouts.

export type LedgerVerdict = { ok: true; payer: string } | { ok: false; reason: string; message?: string; payer?: string };
export type LedgerSettlement = { ok: true; transaction: string; payer: string } | { ok: false; reason: string; message?: string; payer?: string };

export interface BatchSettlementLedger {
  verify(commitment: Commitment, context?: FacilitatorContext): Promise<LedgerVerdict>;
  settle(commitment: Commitment, context?: FacilitatorContext): Promise<LedgerSettlement>;
}

export interface FacilitatorOptions {
  /** SupportedKind.extra for /supported (e.g. the ledger's mint). */
  extra?: Record<string, unknown>;
  /** Wall clock in ms (deadlines). */
  now?: () => number;
  /** Tolerated clock difference between agents and the facilitator. Default 60 s. */
  maxClockSkewSeconds?: number;
}

export class BatchSettlementFacilitatorScheme implements SchemeNetworkFacilitator {
  readonly scheme = BATCH_SETTLEMENT;
  readonly caipFamily = MACHPAY_FAMILY;

  constructor(
    private readonly ledger: BatchSettlementLedger,
    private readonly options: FacilitatorOptions = {},
  ) {}

  getExtra(_network: Network): Record<string, unknown> | undefined {
    return this.options.extra;
  }

  /** Nobody signs on chain for this scheme. */
  getSigners(_network: string): string[] {
    return [];
  }

  private check(payload: PaymentPayload, requirements: PaymentRequirements) {
    const nowSeconds = Math.floor((this.options.now ?? Date.now)() / 1000);
    return checkCommitment(payload, requirements, { nowSeconds, maxClockSkewSeconds: this.options.maxClockSkewSeconds ?? 60 });
  }

  async verify(payload: PaymentPayload, requirements: PaymentRequirements, context?: FacilitatorContext): Promise<VerifyResponse> {
    const checked = this.check(payload, requirements);
    if (!checked.ok) return { isValid: false, invalidReason: checked.reason, invalidMessage: checked.message, payer: checked.payer ?? "" };
    const verdict = await this.ledger.verify(checked.commitment, context);
    if (verdict.ok) return { isValid: true, payer: verdict.payer };
    return { isValid: false, invalidReason: verdict.reason, ...(verdict.message ? { invalidMessage: verdict.message } : {}), payer: verdict.payer ?? checked.commitment.intent.agent };
  }

  async settle(payload: PaymentPayload, requirements: PaymentRequirements, context?: FacilitatorContext): Promise<SettleResponse> {
    const network = requirements.network;
    const checked = this.check(payload, requirements);
    if (!checked.ok) return { success: false, errorReason: checked.reason, errorMessage: checked.message, payer: checked.payer ?? "", transaction: "", network };
    const settled = await this.ledger.settle(checked.commitment, context);
    if (settled.ok) return { success: true, transaction: settled.transaction, network, payer: settled.payer, amount: requirements.amount };
    return {
      success: false,
      errorReason: settled.reason || Reasons.unexpectedSettle,
      ...(settled.message ? { errorMessage: settled.message } : {}),
      payer: settled.payer ?? checked.commitment.intent.agent,
      transaction: "",
      network,
    };
  }
}
