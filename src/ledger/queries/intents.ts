import type { Tx } from "@/db/client";

// payment_intents: on-chain agents' signed intents, settled or failed by recon (lld-backend.md §4.4).
// The payment engine inserts them (engine/queries.ts).

/** What an agent's intents still owe settlement. */
export async function pendingIntentsOf(sql: Tx, userId: bigint): Promise<bigint> {
  const [row] = await sql<{ pending: bigint }[]>`
    SELECT COALESCE(sum(amount_atomic), 0)::numeric(20,0) AS pending
    FROM payment_intents
    WHERE agent_id = ${userId} AND status = 'PENDING'`;
  return row!.pending;
}

export interface IntentRow {
  id: string;
  agent_id: bigint;
  vendor_id: bigint;
  amount_atomic: bigint;
  token_mint: string;
  status: "PENDING" | "SETTLED" | "FAILED";
  transaction_id: string | null;
  /** The fee its transaction took (null without one). */
  fee_atomic: bigint | null;
}

/** The intent's agent, read without a lock (to lock the agent first). */
export async function intentAgentOf(sql: Tx, id: string): Promise<bigint | undefined> {
  const [row] = await sql<{ agent_id: bigint }[]>`SELECT agent_id FROM payment_intents WHERE id = ${id}`;
  return row?.agent_id;
}

export async function lockIntent(sql: Tx, id: string): Promise<IntentRow | undefined> {
  const [row] = await sql<IntentRow[]>`
    SELECT i.id, i.agent_id, i.vendor_id, i.amount_atomic, i.token_mint, i.status, i.transaction_id, t.fee_atomic
    FROM payment_intents i
    LEFT JOIN transactions t ON t.id = i.transaction_id
    WHERE i.id = ${id}
    FOR UPDATE OF i`;
  return row;
}

export async function markIntentSettled(sql: Tx, id: string, txSignature: string, now: Date): Promise<void> {
  await sql`UPDATE payment_intents SET status = 'SETTLED', tx_signature = ${txSignature}, updated_at = ${now} WHERE id = ${id}`;
}

export async function markIntentFailed(sql: Tx, id: string, reason: string, now: Date): Promise<void> {
  await sql`UPDATE payment_intents SET status = 'FAILED', failure_reason = ${reason}, updated_at = ${now} WHERE id = ${id}`;
}
