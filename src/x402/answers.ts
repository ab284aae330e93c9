import type { SettleResponse, VerifyResponse } from "@x402/core/types";
import type { SettleAnswer, VerifyAnswer } from "./schemas";

// The facilitator's answers, in the spec's shapes and with only the fields its document declares
// (a scheme's response may carry more: extensions, extra). Refusals are answers too (200), as the
// reference facilitator gives them: isValid:false with invalidReason, success:false with errorReason.

/** Reasons of this facilitator beyond the spec's and the schemes' own. */
export const FacilitatorReasons = {
  /** The asset is not the mint MachPay's ledger holds (USDC_MINT). */
  unsupportedAsset: "unsupported_asset",
  /** exact: payTo is none of the calling vendor's wallets (withdrawal address, sign-in wallet, linked gateway keys). */
  payToNotVendor: "pay_to_not_vendor",
  /** exact: this transaction was settled (or is being settled) already (scheme_exact_svm.md). */
  duplicate: "duplicate_settlement",
} as const;

export const invalid = (reason: string, message: string, payer?: string): VerifyAnswer => ({ isValid: false, invalidReason: reason, invalidMessage: message, ...(payer ? { payer } : {}) });

export const failed = (network: string, reason: string, message: string, payer?: string): SettleAnswer => ({
  success: false,
  errorReason: reason,
  errorMessage: message,
  ...(payer ? { payer } : {}),
  transaction: "",
  network,
});

const present = <T>(v: T | undefined | null) => (v === undefined || v === null || v === "" ? undefined : v);

export function verifyAnswer(r: VerifyResponse): VerifyAnswer {
  const reason = present(r.invalidReason);
  const message = present(r.invalidMessage);
  const payer = present(r.payer);
  return { isValid: r.isValid === true, ...(reason ? { invalidReason: reason } : {}), ...(message ? { invalidMessage: message } : {}), ...(payer ? { payer } : {}) };
}

export function settleAnswer(r: SettleResponse): SettleAnswer {
  const reason = present(r.errorReason);
  const message = present(r.errorMessage);
  const payer = present(r.payer);
  const amount = present(r.amount);
  return {
    success: r.success === true,
    ...(reason ? { errorReason: reason } : {}),
    ...(message ? { errorMessage: message } : {}),
    ...(payer ? { payer } : {}),
    transaction: r.transaction ?? "",
    network: r.network,
    ...(amount ? { amount } : {}),
  };
}
