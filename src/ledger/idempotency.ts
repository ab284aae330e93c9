import { AppError } from "@/core/errors";
import { sha256Hex } from "@/core/hash";
import type { Sql } from "@/db/client";
import type postgres from "postgres";
import { idempotencyConflict, idempotencyInProgress } from "./engine/errors";
import { claimRequests, findIdempotentResponse, storeIdempotentResponses } from "./engine/queries";

import type { PaymentOutcome } from "./engine/types";

type TxSql = postgres.TransactionSql<{ bigint: bigint; numeric: bigint }>;

export interface IdempotentAnswer {
  status: number;
  body: unknown;
}

/** What identifies "the same request": method, path and the exact JSON body. */
export const requestHash = (method: string, path: string, body: unknown) => sha256Hex(`${method} ${path}\n${JSON.stringify(body)}`);

/**
 * Runs a money-moving operation under an Idempotency-Key (contract.md): the key is claimed, the
 * operation runs in a savepoint, and its answer (success or refusal) is stored in the SAME
 * transaction, so a retry either replays that answer or (different body) gets 409.
 */
export async function withIdempotency(
  sql: Sql,
  key: { userId: bigint; key: string; requestHash: string },
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
  const stored = await findIdempotentResponse(sql, key.userId, key.key);
  if (!stored || stored.status_code === 0) throw idempotencyInProgress();
  if (stored.request_hash !== key.requestHash) throw idempotencyConflict();
  return { status: stored.status_code, body: stored.response_body, replayed: true };
}

/**
 * The answer already stored under a payment's key, looked up before the payment's own checks: a
 * retry gets the first answer even when those checks would refuse it now (an intent past its
 * deadline, a service since deactivated). Undefined when the key is new; the engine claims it.
 */
export async function earlierAnswer(sql: Sql, key: { userId: bigint; key: string; requestHash: string }): Promise<PaymentOutcome | undefined> {
  const stored = await findIdempotentResponse(sql, key.userId, key.key);
  if (!stored || stored.status_code === 0) return undefined;
  if (stored.request_hash !== key.requestHash) return { kind: "refused", error: idempotencyConflict() };
  return { kind: "replay", status: stored.status_code, body: stored.response_body };
}
