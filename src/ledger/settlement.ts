import { AppError } from "@/core/errors";
import type { Tx } from "@/db/client";
import { lockAgentForSuspension, reverseFee, reverseVendorCredit, suspendAgent } from "./vendor-balance";

// Outcomes of on-chain agents' intents, as recon reports them (lld-backend.md §4.4).

interface IntentRow {
  id: string;
  agent_id: bigint;
  vendor_id: bigint;
  amount_atomic: bigint;
  token_mint: string;
  status: "PENDING" | "SETTLED" | "FAILED";
  transaction_id: string | null;
  fee_atomic: bigint | null;
}

async function lockIntent(sql: Tx, id: string): Promise<IntentRow | undefined> {
  const [row] = await sql<IntentRow[]>`
    SELECT i.id, i.agent_id, i.vendor_id, i.amount_atomic, i.token_mint, i.status, i.transaction_id, t.fee_atomic
    FROM payment_intents i
    LEFT JOIN transactions t ON t.id = i.transaction_id
    WHERE i.id = ${id}
    FOR UPDATE OF i`;
  return row;
}

const intentNotFound = () => new AppError("intent_not_found", "no such payment intent");

/** Marks a PENDING intent settled. Returns false when it was not pending (already processed). */
export async function confirmIntent(sql: Tx, input: { intentId: string; txSignature: string; now: Date }): Promise<boolean> {
  const intent = await lockIntent(sql, input.intentId);
  if (!intent) throw intentNotFound();
  if (intent.status !== "PENDING") return false;
  await sql`UPDATE payment_intents SET status = 'SETTLED', tx_signature = ${input.txSignature}, updated_at = ${input.now} WHERE id = ${intent.id}`;
  if (intent.transaction_id) await sql`UPDATE transactions SET settled_at = ${input.now} WHERE id = ${intent.transaction_id}`;
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
 * Locks the agent before the vendor, the order every payment batch uses.
 */
export async function failIntent(
  sql: Tx,
  input: { intentId: string; vendorId: bigint; amount: bigint; reason: string; now: Date },
): Promise<FailedIntent | null> {
  const peek = await sql<{ agent_id: bigint }[]>`SELECT agent_id FROM payment_intents WHERE id = ${input.intentId}`;
  if (!peek[0]) throw intentNotFound();
  await lockAgentForSuspension(sql, peek[0].agent_id);
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
  await reverseFee(sql, intent.token_mint, fee);
  await sql`UPDATE payment_intents SET status = 'FAILED', failure_reason = ${input.reason}, updated_at = ${input.now} WHERE id = ${intent.id}`;
  if (intent.transaction_id) await sql`UPDATE transactions SET status = 'reversed' WHERE id = ${intent.transaction_id}`;
  await suspendAgent(sql, intent.agent_id);
  return { agentId: intent.agent_id, vendorId: intent.vendor_id, amount: intent.amount_atomic, reversed: credited, toDebt };
}
