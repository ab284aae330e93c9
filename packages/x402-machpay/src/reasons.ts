// Why a batch-settlement payment is refused: VerifyResponse.invalidReason and
// SettleResponse.errorReason. The x402 specification's own words where it has one (§9), else
// `invalid_machpay_<what>`. A refusal by the ledger itself is `invalid_machpay_<its error code>`
// (e.g. invalid_machpay_nonce_already_used), except insufficient_funds, which x402 names.

export const Reasons = {
  x402Version: "invalid_x402_version",
  scheme: "unsupported_scheme",
  network: "invalid_network",
  payload: "invalid_payload",
  requirements: "invalid_payment_requirements",
  /** The payload's `accepted` is not the requirements it is verified against. */
  acceptedMismatch: "invalid_machpay_accepted_mismatch",
  intent: "invalid_machpay_intent",
  amountMismatch: "invalid_machpay_amount_mismatch",
  assetMismatch: "invalid_machpay_asset_mismatch",
  recipientMismatch: "invalid_machpay_recipient_mismatch",
  expired: "invalid_machpay_intent_expired",
  deadlineTooFar: "invalid_machpay_deadline_too_far",
  insufficientFunds: "insufficient_funds",
  unexpectedVerify: "unexpected_verify_error",
  unexpectedSettle: "unexpected_settle_error",
} as const;

/** The reason for a refusal the ledger gave with this error code. */
export const ledgerReason = (code: string) => (code === "insufficient_funds" ? Reasons.insufficientFunds : `invalid_machpay_${code}`);
