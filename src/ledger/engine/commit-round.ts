import type { Tx } from "@/db/client";
import { all } from "./claim-round";
import { CommitUnknown } from "./commit-outcome";
import { vendorGone } from "./errors";
import { isDatabaseUnavailable } from "@/db/client";
import { encodeOutcome, OUTCOME_STATUS } from "./outcome-codec";
import type { BatchPlan } from "./plan";
import { addFees, creditVendors, recordPaymentEvents, storeIdempotentResponses, VENDOR_GONE_SQLSTATE, writeBatch } from "./queries";
import type { PaymentRequest } from "./types";

// A batch's second round trip: every write and the COMMIT, sent together. One statement for the
// agents' side and the records, then the vendors' credit (hot rows: locked last), fees, the
// outcomes stored under Idempotency-Keys and the batch's events, when there are any. A statement
// that fails aborts the transaction, so the COMMIT behind it answers ROLLBACK.

export async function commitRound(conn: Tx, batch: PaymentRequest[], plan: BatchPlan, answered: number[]): Promise<void> {
  const writes: Promise<unknown>[] = [writeBatch(conn, plan).execute()];
  if (plan.credits.length) writes.push(creditVendors(conn, plan.credits).execute());
  if (plan.fees > 0n) writes.push(addFees(conn, batch[0]!.mint, plan.fees).execute());
  if (answered.length) {
    const keys = answered.map((i) => batch[i]!.idempotency!);
    writes.push(
      storeIdempotentResponses(
        conn,
        keys.map((k) => k.userId),
        keys.map((k) => k.key),
        keys.map(() => OUTCOME_STATUS),
        answered.map((i, n) => {
          const outcome = plan.outcomes.get(i)!;
          // SAFETY: a replay is never among the answered: it comes from a key this batch did not claim.
          if (outcome.kind === "replay") throw new Error("a replayed outcome cannot be stored");
          return JSON.stringify(encodeOutcome(outcome, keys[n]!.requestId));
        }),
      ).execute(),
    );
  }
  // The events of the paid payments, in the same transaction: they exist exactly when the payments do.
  if (plan.transactions.length) writes.push(recordPaymentEvents(conn, eventsOf(batch, plan)).execute());
  const commit = conn.unsafe("COMMIT").execute();
  try {
    const [result] = await all([commit, ...writes] as const);
    // After a failed statement PostgreSQL answers COMMIT with ROLLBACK; all() has thrown that
    // statement's error by then, so this is a belt to those braces.
    if (result.command !== "COMMIT") throw new Error(`payment batch ended with ${result.command}, not COMMIT`);
  } catch (err) {
    if ((err as { code?: string }).code === VENDOR_GONE_SQLSTATE) throw vendorGone();
    if (isDatabaseUnavailable(err)) throw new CommitUnknown(err, plan.outcomes, plan.transactions[0]?.id);
    throw err;
  }
}

/** What the batch's events need beyond its transactions rows: each payment's balances after it, and the low-balance crossings. */
function eventsOf(batch: PaymentRequest[], plan: BatchPlan) {
  const ids: string[] = [];
  const balances: [string, string, string][] = [];
  const low: string[] = [];
  for (const [, outcome] of [...plan.outcomes].sort((a, b) => a[0] - b[0])) {
    if (outcome.kind !== "paid") continue;
    const b = outcome.balance;
    ids.push(outcome.transaction.id);
    balances.push([b.available_atomic.toString(), b.bonded_atomic.toString(), b.pending_atomic.toString()]);
    if (outcome.lowBalance) low.push(outcome.transaction.id);
  }
  return { transactionIds: ids, balances, lowBalance: low };
}
