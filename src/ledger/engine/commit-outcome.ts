import { isDatabaseUnavailable, type Sql } from "@/db/client";
import { paymentOutcomeUnknown } from "./errors";
import { transactionExists } from "./queries";
import type { PaymentOutcome } from "./types";

// A batch whose connection died with its COMMIT in flight committed entirely or not at all, and
// only the database can say which. Retrying it blindly could pay twice; answering it as refused
// could hide a payment that was made.

/** The connection was lost after COMMIT was sent: what the batch would answer, and how to tell if it did. */
export class CommitUnknown extends Error {
  constructor(
    override readonly cause: unknown,
    /** What the batch answers if it committed, by position in the batch. */
    readonly outcomes: Map<number, PaymentOutcome>,
    /** A transaction row the batch inserts (none when it paid nothing: then it moved no money). */
    readonly marker: string | undefined,
  ) {
    super("connection lost with COMMIT in flight");
  }
}

// How long a payment whose COMMIT answer was lost waits for the database to say whether it
// committed, unless told (PAYMENT_OUTCOME_WAIT_MS).
export const OUTCOME_CHECK_MS = 3000;

/**
 * Whether the batch committed: its marker transaction exists. Asks again while the database is
 * away; past `waitMs` (or on any other error) the answer is 503 payment_outcome_unknown. On a
 * cluster the pool asks whichever server is the writable primary by then (src/db/hosts.ts): after
 * a failover, the promoted standby, which holds every COMMIT the old primary acknowledged
 * (synchronous replication) and is the only one whose answer counts from now on.
 */
export async function committed(sql: Sql, marker: string | undefined, waitMs = OUTCOME_CHECK_MS): Promise<boolean> {
  if (marker === undefined) return false;
  const deadline = performance.now() + waitMs;
  for (;;) {
    const left = deadline - performance.now();
    if (left <= 0) throw paymentOutcomeUnknown();
    const check = transactionExists(sql, marker);
    check.catch(() => undefined); // a check that outlives its wait must not reject unobserved
    let found: boolean | "late";
    try {
      found = await Promise.race([check, Bun.sleep(left).then(() => "late" as const)]);
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw paymentOutcomeUnknown();
      await Bun.sleep(Math.min(200, left));
      continue;
    }
    if (found === "late") throw paymentOutcomeUnknown();
    return found;
  }
}
