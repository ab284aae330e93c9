// @machpay/x402: MachPay's x402 binding. The batch-settlement scheme on `machpay:<cluster>`
// networks, for each side of x402 v2: the agent (client), the resource server, the facilitator.
// The binding itself (commitment format, rules, trust model): docs/x402-batch-settlement-machpay.md.
export { BatchSettlementClientScheme, intentSignerFromKeyPair, type ClientOptions, type IntentSigner } from "./client";
export { BatchSettlementServerScheme, type ServerOptions } from "./server";
export { BatchSettlementFacilitatorScheme, type BatchSettlementLedger, type FacilitatorOptions, type LedgerSettlement, type LedgerVerdict } from "./facilitator";
export { checkCommitment, atomicAmount, type BatchSettlementPayload, type Checked, type Commitment } from "./commitment";
export { encodeIntent, decodeIntent, randomNonce, INTENT_LENGTH, INTENT_VERSION, type Intent } from "./intent";
export { BATCH_SETTLEMENT, MACHPAY_FAMILY, MACHPAY_NAMESPACE, USDC_DECIMALS, USDC_MINTS, findUsdc, isMachPayNetwork, machpayNetwork, usdcMintOf, type MachPayCluster } from "./network";
export { Reasons, ledgerReason } from "./reasons";
export { base58Encode, base58Decode, base64Encode } from "./encoding";
