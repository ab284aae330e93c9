import type { Tx } from "@/db/client";

// payment_event_batches: each payment batch's events, written in its transaction (sql/0014).

export interface PaymentEventBatchRow {
  id: bigint;
  transaction_ids: string[];
  balances: [string, string, string][];
  low_balance: string[];
}

/**
 * Takes the oldest payment event batches no other relay holds, deleting them in the caller's
 * transaction: they are gone only if that transaction commits (after their events went out).
 */
export async function claimPaymentEventBatches(sql: Tx, limit: number): Promise<PaymentEventBatchRow[]> {
  const rows = await sql<PaymentEventBatchRow[]>`
    DELETE FROM payment_event_batches
    WHERE id IN (SELECT id FROM payment_event_batches ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
    RETURNING id, transaction_ids, balances, low_balance`;
  return rows.sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** The payment event relay's backlog for /metrics: committed batches whose events are not yet relayed. */
export async function paymentEventBacklog(sql: Tx, cap: number): Promise<{ n: bigint; age: number | null } | undefined> {
  const [row] = await sql<{ n: bigint; age: number | null }[]>`
    SELECT count(*) AS n, extract(epoch FROM now() - min(created_at))::float8 AS age
    FROM (SELECT created_at FROM payment_event_batches LIMIT ${cap}) waiting`;
  return row;
}
