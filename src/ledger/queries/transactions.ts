import type { Tx } from "@/db/client";
import type { TransactionRecord } from "../engine/types";

// transactions: the payments, inserted by the payment engine (engine/queries.ts), read here,
// marked settled or reversed by recon's outcomes.

/** A transactions row: the same shape the payment engine records. */
export type TransactionRow = TransactionRecord;

/** Newest first; the cursor is the last row's (created_at, id). */
export async function listAgentTransactions(sql: Tx, userId: bigint, limit: number, after?: { createdAt: Date; id: string }) {
  return sql<TransactionRow[]>`
    SELECT id, hash, from_agent_id, to_vendor_id, service_id, amount_atomic, fee_atomic, token_mint, status,
           latency_ms, reference, source, region, intent_id, settled_at, created_at, payer_address, tx_signature
    FROM transactions
    WHERE from_agent_id = ${userId}
      ${after ? sql`AND (created_at, id) < (${after.createdAt}, ${after.id})` : sql``}
    ORDER BY created_at DESC, id DESC
    LIMIT ${limit}`;
}

export async function transactionsByIds(sql: Tx, ids: string[]): Promise<TransactionRow[]> {
  return sql<TransactionRow[]>`
    SELECT id, hash, from_agent_id, to_vendor_id, service_id, amount_atomic, fee_atomic, token_mint, status,
           latency_ms, reference, source, region, intent_id, settled_at, created_at, payer_address, tx_signature
    FROM transactions
    WHERE id = ANY(${ids})`;
}

export async function markTransactionSettled(sql: Tx, id: string, now: Date): Promise<void> {
  await sql`UPDATE transactions SET settled_at = ${now} WHERE id = ${id}`;
}

/** Kept, marked reversed: a settlement failure took its money back (the rollups still count it). */
export async function markTransactionReversed(sql: Tx, id: string): Promise<void> {
  await sql`UPDATE transactions SET status = 'reversed' WHERE id = ${id}`;
}
