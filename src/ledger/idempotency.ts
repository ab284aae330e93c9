import { AppError } from "@/core/errors";
import type { Sql, Tx } from "@/db/client";
import type { IdempotencyKey, IdempotencyStore, IdempotentAnswer } from "@/http/idempotency";
import type postgres from "postgres";
import { keyInProgress, priorOutcome } from "./engine/prior-outcome";
import { claimRequests, findIdempotentResponse, storeIdempotentResponses } from "./engine/queries";
import type { PaymentOutcome } from "./engine/types";

// Idempotency-Keys of the ledger's money operations (contract.md "Conventions"): the answer is
// stored in the same transaction as the money it moved, so a retry can never move money twice.
// Payments store their outcome through the engine (engine/commit-round.ts); bond moves and payouts
// store their HTTP answer here.

type TxSql = postgres.TransactionSql<{ bigint: bigint; numeric: bigint }>;

/**
 * Runs a money-moving operation under an Idempotency-Key: the key is claimed, the operation runs
 * in a savepoint, and its answer (success or refusal) is stored in the SAME transaction, so a
 * retry either replays that answer or (different body) gets 409.
 */
export async function withIdempotency(
  sql: Sql,
  key: IdempotencyKey,
  run: (tx: TxSql) => Promise<IdempotentAnswer>,
  renderError: (err: AppError) => IdempotentAnswer,
): Promise<IdempotentAnswer & { replayed: boolean }> {
  const result = await sql.begin(async (tx) => {
    const claimed = await claimRequests(tx, [{ key }]);
    if (claimed.keys.size === 0) return null;
    let answer: IdempotentAnswer;
    try {
      answer = await tx.savepoint((sp) => run(sp as unknown as TxSql));
    } catch (err) {
      // Refusals are answers too; anything else is a bug and rolls the claim back with it.
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      answer = renderError(err);
    }
    await storeIdempotentResponses(tx, [key.userId], [key.key], [answer.status], [JSON.stringify(answer.body)]);
    return answer;
  });
  if (result) return { ...(result as IdempotentAnswer), replayed: false };
  const prior = priorOutcome(await findIdempotentResponse(sql, key.userId, key.key), key.requestHash) ?? keyInProgress();
  if (prior.kind === "refused") throw prior.error;
  // SAFETY: these operations store HTTP answers (never payment outcomes): their rows decode as replays.
  if (prior.kind !== "replay") throw new Error("an Idempotency-Key of a payment was reused on another operation");
  return { status: prior.status, body: prior.body, replayed: true };
}

/** The ledger's store for the HTTP layer's sendIdempotent (bond moves, payouts). */
export function idempotencyStore(sql: Sql): IdempotencyStore<Tx> {
  return {
    run: (key, operation, renderError) => withIdempotency(sql, key, operation, renderError),
    direct: (operation) => operation(sql),
  };
}

/**
 * The answer already stored under a payment's key, looked up before the payment's own checks: a
 * retry gets the first answer even when those checks would refuse it now (an intent past its
 * deadline, a service since deactivated). Undefined when the key is new; the engine claims it.
 */
export async function earlierAnswer(sql: Tx, key: IdempotencyKey): Promise<PaymentOutcome | undefined> {
  const stored = await findIdempotentResponse(sql, key.userId, key.key);
  // In flight: the engine's own claim finds it taken, and answers 409 idempotency_in_progress.
  if (stored?.status_code === 0) return undefined;
  return priorOutcome(stored, key.requestHash);
}
