import { suspendUser } from "@/auth";
import { AppError } from "@/core/errors";
import type { Tx } from "@/db/client";
import { lockAgentForSuspension } from "./queries/agent-accounts";
import { intentAgentOf, lockIntent, markIntentFailed, markIntentSettled } from "./queries/intents";
import { takeBackFee } from "./queries/platform-accounts";
import { markTransactionReversed, markTransactionSettled } from "./queries/transactions";
import { reverseVendorCredit } from "./vendor-balance";

// Outcomes of on-chain agents' intents, as recon reports them (lld-backend.md §4.4).

const intentNotFound = () => new AppError("intent_not_found", "no such payment intent");

/** Marks a PENDING intent settled. Returns false when it was not pending (already processed). */
export async function confirmIntent(sql: Tx, input: { intentId: string; txSignature: string; now: Date }): Promise<boolean> {
  const intent = await lockIntent(sql, input.intentId);
  if (!intent) throw intentNotFound();
  if (intent.status !== "PENDING") return false;
  await markIntentSettled(sql, intent.id, input.txSignature, input.now);
  if (intent.transaction_id) await markTransactionSettled(sql, intent.transaction_id, input.now);
  return true;
}

export interface FailedIntent {
  agentId: bigint;
  vendorId: bigint;
  amount: bigint;
  reversed: bigint;
  toDebt: bigint;
}

/**
 * The optimistic credit is reversed: the vendor loses what it was credited (amount - fee), the
 * fee account gives back the fee, the transaction is marked reversed, the agent is suspended.
 * Locks the agent's account before the vendor's, the order every payment batch uses; the
 * suspension (users.status, auth's to write) is made under the agent's lock, which is what a
 * payment batch holds while it reads the status and until it commits.
 */
export async function failIntent(
  sql: Tx,
  input: { intentId: string; vendorId: bigint; amount: bigint; reason: string; now: Date },
): Promise<FailedIntent | null> {
  const agentId = await intentAgentOf(sql, input.intentId);
  if (agentId === undefined) throw intentNotFound();
  await lockAgentForSuspension(sql, agentId);
  const intent = await lockIntent(sql, input.intentId);
  if (!intent) throw intentNotFound();
  if (intent.vendor_id !== input.vendorId || intent.amount_atomic !== input.amount) {
    throw new AppError("event_mismatch", "vendor_id or amount does not match the intent", {
      details: { vendor_id: intent.vendor_id.toString(), amount: intent.amount_atomic.toString() },
    });
  }
  if (intent.status !== "PENDING") return null;
  const fee = intent.fee_atomic ?? 0n;
  const credited = intent.amount_atomic - fee;
  const { toDebt } = await reverseVendorCredit(sql, intent.vendor_id, credited);
  if (fee > 0n) await takeBackFee(sql, intent.token_mint, fee);
  await markIntentFailed(sql, intent.id, input.reason, input.now);
  if (intent.transaction_id) await markTransactionReversed(sql, intent.transaction_id);
  await suspendUser(sql, intent.agent_id);
  return { agentId: intent.agent_id, vendorId: intent.vendor_id, amount: intent.amount_atomic, reversed: credited, toDebt };
}
