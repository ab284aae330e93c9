import type { Clock } from "@/core/clock";
import { isDatabaseUnavailable, type Sql } from "@/db/client";
import { claimRound } from "./claim-round";
import { commitRound } from "./commit-round";
import { CommitUnknown, committed } from "./commit-outcome";
import { BatchAbandoned } from "./deadline";
import { planBatch } from "./plan";
import { findIdempotentResponse } from "./queries";
import { keyInProgress, priorOutcome } from "./prior-outcome";
import type { PaymentOutcome, PaymentRequest } from "./types";

export interface ApplyOptions {
  feeBps: number;
  clock: Clock;
  /**
   * Asked right before the COMMIT is sent: false rolls the batch back (BatchAbandoned). The engine
   * says no once a payment of the batch has passed its deadline.
   */
  mayCommit?: () => boolean;
  /** How long a batch whose COMMIT answer was lost waits to learn whether it committed (default 3 s). */
  outcomeWaitMs?: number;
}

/**
 * Applies a batch of payments in ONE database transaction: every payment is decided in order
 * against locked agent rows, then all writes go out together (vendors credited once each).
 * Either the whole batch commits, or nothing of it does; each answer is given only after COMMIT.
 *
 * Two round trips to PostgreSQL, whatever the batch holds: the claims and the locked agents
 * (claim-round.ts); then, once decided here (plan.ts), the writes and COMMIT (commit-round.ts).
 */
export async function applyBatch(sql: Sql, batch: PaymentRequest[], options: ApplyOptions): Promise<PaymentOutcome[]> {
  const conn = await sql.reserve();
  let outcomes: Map<number, PaymentOutcome>;
  let taken: Set<number> = new Set();
  try {
    const now = options.clock.now();
    const claimed = await claimRound(conn, batch, now.toISOString().slice(0, 10));
    taken = claimed.taken;
    const todo = batch.map((_, i) => i).filter((i) => !taken.has(i) && !claimed.refused.has(i));
    const plan = planBatch(batch, todo, claimed.agents, { feeBps: options.feeBps, now });
    for (const [i, refusal] of claimed.refused) plan.outcomes.set(i, refusal);
    // Past this point the batch commits unless the connection dies: a payment whose deadline passed
    // while the batch waited for its connection, its locks or the database must not be made.
    if (options.mayCommit && !options.mayCommit()) throw new BatchAbandoned();
    const answered = batch.flatMap((p, i) => (p.idempotency && !taken.has(i) ? [i] : []));
    await commitRound(conn, batch, plan, answered);
    outcomes = plan.outcomes;
    conn.release();
  } catch (err) {
    // A lost connection is already in the pool's closed set (it reconnects there) and must not be
    // handed back; any other failure leaves a live connection in an aborted transaction: roll back.
    if (!isDatabaseUnavailable(err instanceof CommitUnknown ? err.cause : err)) {
      await conn.unsafe("ROLLBACK").catch(() => undefined);
      conn.release();
    }
    if (!(err instanceof CommitUnknown)) throw err;
    // The connection died with COMMIT sent: the batch committed entirely or not at all. Its first
    // transaction id, made here before COMMIT, says which. Not knowing, it must not be retried.
    if (!(await committed(sql, err.marker, options.outcomeWaitMs))) throw err.cause;
    outcomes = err.outcomes;
  }

  // Keys an earlier request holds: its stored outcome, or a refusal (in progress, another body).
  for (const i of taken) {
    const k = batch[i]!.idempotency!;
    outcomes.set(i, priorOutcome(await findIdempotentResponse(sql, k.userId, k.key), k.requestHash) ?? keyInProgress());
  }
  // SAFETY: every index got an outcome: refused by a claim, decided by the plan, or taken.
  return batch.map((_, i) => outcomes.get(i)!);
}
