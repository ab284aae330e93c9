import type { Sql } from "@/db/client";
import { withTransaction } from "@/db/transaction";
import type { BalanceAfter, TransactionRecord } from "./engine/types";
import { claimPaymentEventBatches } from "./queries/payment-events";
import { transactionsByIds } from "./queries/transactions";

// The events of committed payments, for whoever delivers them (the realtime module's relay). Each
// payment batch wrote one row of payment_event_batches in its own transaction (sql/0014); a relay
// takes rows, hands their payments over, and the rows are deleted only when that succeeded: a
// crash in between delivers them again (at least once; a payment's transaction id tells a repeat).

/** One paid payment, as its events tell it. */
export interface PaidPayment {
  transaction: TransactionRecord;
  /** The paying agent's balances right after it. */
  balance: BalanceAfter;
  /** It took the agent's available balance below its low-balance threshold. */
  lowBalance: boolean;
}

/**
 * Hands the oldest undelivered payments (at most `batches` batches' worth) to `deliver`, in commit
 * order of their batches, and forgets them once it resolved; if it throws, they stay for the next
 * call. Returns how many batches were delivered.
 */
export async function relayPaymentEvents(sql: Sql, batches: number, deliver: (payments: PaidPayment[]) => Promise<void>): Promise<number> {
  return withTransaction(sql, async (tx) => {
    // Losing this commit to a crash means delivering again, which subscribers tolerate: no need to
    // wait for the disk.
    await tx`SET LOCAL synchronous_commit = off`;
    const rows = await claimPaymentEventBatches(tx, batches);
    if (rows.length === 0) return 0;
    const byId = new Map((await transactionsByIds(tx, rows.flatMap((r) => r.transaction_ids))).map((t) => [t.id, t]));
    const payments: PaidPayment[] = [];
    for (const row of rows) {
      const low = new Set(row.low_balance);
      row.transaction_ids.forEach((id, i) => {
        const transaction = byId.get(id);
        const [available, bonded, pending] = row.balances[i]!;
        // A payment's row is written by its batch, and transactions are never deleted.
        if (!transaction) throw new Error(`payment event for a missing transaction ${id}`);
        payments.push({ transaction, balance: { available_atomic: BigInt(available), bonded_atomic: BigInt(bonded), pending_atomic: BigInt(pending) }, lowBalance: low.has(id) });
      });
    }
    await deliver(payments);
    return rows.length;
  });
}
