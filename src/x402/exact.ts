import { getBase64Encoder, getTransactionDecoder } from "@solana/kit";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import { findUserById } from "@/auth";
import { sha256Hex } from "@/core/hash";
import { withTransaction } from "@/db/transaction";
import { recordOnchainPayment } from "@/ledger";
import { findLinkedDevice } from "@/pairing";
import { findProfileOfUser } from "@/profiles";
import { FacilitatorReasons, failed, invalid, settleAnswer, verifyAnswer } from "./answers";
import type { ExactRail } from "./facilitator";
import { claimMessage, findClaim, markClaim, releaseClaim } from "./queries";
import type { SettleAnswer, VerifyAnswer } from "./schemas";
import type { X402Ctx } from "./verbs";

// exact on Solana (scheme_exact_svm.md) through @x402/svm's facilitator scheme, which does the
// transaction's checks, the fee payer's co-signature, sending and confirmation. MachPay adds what
// a ledger-keeping facilitator needs around it: USDC only, paid to the calling vendor's own wallet
// (the payment is recorded as theirs), settled once per transaction message across instances and
// restarts, and recorded in the ledger as settled on chain once it is confirmed.

const SETTLEMENT_PENDING = "settlement_pending";
/** @x402/svm's own reason for a payload that is not a transaction (answered here without calling it). */
const UNDECODABLE = "invalid_exact_svm_payload_transaction_could_not_be_decoded";
const decoder = getTransactionDecoder();
const base64 = getBase64Encoder();

/** sha256 of the transaction's message (what the payer signed); undefined when it does not decode. */
export function messageHashOf(payload: PaymentPayload): string | undefined {
  const tx = (payload.payload as { transaction?: unknown }).transaction;
  if (typeof tx !== "string" || tx.length > 2000) return undefined;
  try {
    return sha256Hex(new Uint8Array(decoder.decode(base64.encode(tx)).messageBytes));
  } catch {
    return undefined;
  }
}

/** The vendor's wallets: its profile's withdrawal address, its sign-in wallet, its linked gateway keys. */
async function isVendorWallet(ctx: X402Ctx, vendorId: bigint, wallet: string): Promise<boolean> {
  const [profile, user, device] = await Promise.all([findProfileOfUser(ctx, vendorId), findUserById(ctx.sql, vendorId), findLinkedDevice(ctx, wallet)]);
  return profile?.withdrawal_address === wallet || user?.wallet_address === wallet || (device?.kind === "vendor" && device.user_id === vendorId);
}

/** MachPay's own rules, before the scheme's: a refusal, or undefined. */
async function refusal(ctx: X402Ctx, vendorId: bigint, requirements: PaymentRequirements): Promise<{ reason: string; message: string } | undefined> {
  if (requirements.asset !== ctx.tokenMint) return { reason: FacilitatorReasons.unsupportedAsset, message: `this facilitator settles ${ctx.tokenMint} only` };
  if (!(await isVendorWallet(ctx, vendorId, requirements.payTo))) {
    return { reason: FacilitatorReasons.payToNotVendor, message: "payTo must be one of the calling vendor's wallets (withdrawal address, sign-in wallet or a linked gateway key)" };
  }
  return undefined;
}

export async function verifyExact(ctx: X402Ctx, rail: ExactRail, vendorId: bigint, payload: PaymentPayload, requirements: PaymentRequirements): Promise<VerifyAnswer> {
  const refused = await refusal(ctx, vendorId, requirements);
  if (refused) return invalid(refused.reason, refused.message);
  const hash = messageHashOf(payload);
  if (!hash) return invalid(UNDECODABLE, "payload.transaction must be a base64 Solana transaction");
  if (await findClaim(ctx.sql, hash)) return invalid(FacilitatorReasons.duplicate, "this transaction was settled already");
  try {
    return verifyAnswer(await rail.facilitator.verify(payload, requirements));
  } catch (err) {
    // The scheme answers its refusals; a throw is a bug of ours or the library's, not the payer's.
    ctx.log.error("x402 exact verify threw", { err });
    return invalid("unexpected_verify_error", "the payment could not be verified");
  }
}

export async function settleExact(ctx: X402Ctx, rail: ExactRail, vendorId: bigint, payload: PaymentPayload, requirements: PaymentRequirements, receivedAt: number): Promise<SettleAnswer> {
  const network = requirements.network;
  const refused = await refusal(ctx, vendorId, requirements);
  if (refused) return failed(network, refused.reason, refused.message);
  const hash = messageHashOf(payload);
  if (!hash) return failed(network, UNDECODABLE, "payload.transaction must be a base64 Solana transaction");
  if (!(await claimMessage(ctx.sql, { hash, vendorId, network, now: ctx.clock.now() }))) {
    return failed(network, FacilitatorReasons.duplicate, "this transaction was settled already, or is being settled");
  }
  let result;
  try {
    result = settleAnswer(await rail.facilitator.settle(payload, requirements));
  } catch (err) {
    // The scheme answers its failures; a throw is unexpected, and nothing was confirmed sent.
    ctx.log.error("x402 exact settle threw", { err });
    await releaseClaim(ctx.sql, hash);
    return failed(network, "unexpected_settle_error", "the settlement failed unexpectedly; nothing was recorded");
  }
  if (result.success) {
    await withTransaction(ctx.sql, async (tx) => {
      await recordOnchainPayment(
        { sql: tx, clock: ctx.clock },
        { vendorId, amount: BigInt(requirements.amount), mint: requirements.asset, payer: result.payer ?? "", signature: result.transaction, receivedAt },
      );
      await markClaim(tx, hash, "settled", result.transaction, ctx.clock.now());
    });
    ctx.paymentEvents.nudge();
    return result;
  }
  // Sent, not confirmed yet: the claim keeps the signature, and the payment stays unsettled here.
  if (result.errorReason === SETTLEMENT_PENDING && result.transaction) await markClaim(ctx.sql, hash, "pending", result.transaction, ctx.clock.now());
  else await releaseClaim(ctx.sql, hash);
  return result;
}
