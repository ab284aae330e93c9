import { AppError } from "@/core/errors";
import { sha256Hex } from "@/core/hash";
import type { IdempotencyKey } from "@/http/idempotency";
import type { Tx } from "@/db/client";
import { idempotencyConflict } from "./engine/errors";
import { priorOutcome } from "./engine/prior-outcome";
import { findIdempotentResponses } from "./engine/queries";
import type { PaymentOutcome } from "./engine/types";
import { authorizeGatewayIntent, gatewayPaymentRequest, type GatewayPayCtx } from "./pay";

// POST /v1/gateway/payments/batch: many intents in one request, each decided exactly as
// POST /v1/gateway/payments decides it. The intents are submitted together, so they enter the
// engine's group commit together (and their signatures cross to the verifier's thread together);
// a refused intent refuses only itself.
//
// An Idempotency-Key covers the batch: each intent is claimed under a key derived from it and its
// position, with the hash of the whole batch, in the payment's own transaction as for a single
// payment. A retry of the batch therefore replays what was committed, intent by intent, and
// submits only what never reached the engine (a crash between two intents' commits leaves no gap
// and no double). The same key with another batch is refused as a whole.

export interface BatchItem {
  intent: Uint8Array;
  signature: string;
  serviceId?: string | undefined;
  reference?: string | undefined;
  region?: string | undefined;
}

/** What became of one intent: as the single endpoint's outcome, or its refusal before the engine. */
export type BatchItemOutcome = PaymentOutcome;

/** The key an intent of a keyed batch is claimed under: fixed length, whatever the batch key's. */
export const batchItemKey = (batchKey: string, index: number) => `batch:${sha256Hex(batchKey).slice(0, 40)}:${index}`;

export async function payBatchFromGateway(
  ctx: GatewayPayCtx,
  input: { items: BatchItem[]; receivedAt: number; idempotency?: IdempotencyKey & { requestId: string } },
): Promise<BatchItemOutcome[]> {
  const keyOf = (index: number) =>
    input.idempotency && { ...input.idempotency, key: batchItemKey(input.idempotency.key, index) };
  const earlier = input.idempotency ? await earlierOutcomes(ctx.sql, input.idempotency, input.items.length) : [];
  // Checks needing no lock run for all intents at once (their signatures cross to the verifier
  // together); a refusal there is that intent's answer, anything but a refusal a bug.
  const authorized = await Promise.all(
    input.items.map(async (item, index) => {
      if (earlier[index]) return undefined;
      try {
        return await authorizeGatewayIntent(ctx, item);
      } catch (err) {
        if (err instanceof AppError && err.status < 500) return err;
        throw err;
      }
    }),
  );
  // Then into the engine's queue in the request's order, with no await in between: the first of two
  // intents sharing a nonce (or an agent's last funds) is the one earlier in the batch, every time.
  const outcomes = input.items.map((item, index): Promise<BatchItemOutcome> => {
    const stored = earlier[index];
    if (stored) return Promise.resolve(stored);
    const checked = authorized[index]!;
    if (checked instanceof AppError) return Promise.resolve({ kind: "refused", error: checked });
    const key = keyOf(index);
    return ctx.payments.submit(gatewayPaymentRequest(checked, { ...item, receivedAt: input.receivedAt, ...(key ? { idempotency: key } : {}) }));
  });
  return Promise.all(outcomes);
}

/**
 * The outcomes stored under a keyed batch's intents by an earlier request, by position. A key held
 * for another batch refuses the whole request, as a single payment's would; an intent still in
 * flight is left to the engine, whose claim answers it 409 idempotency_in_progress.
 */
async function earlierOutcomes(sql: Tx, key: IdempotencyKey, count: number): Promise<(PaymentOutcome | undefined)[]> {
  const keys = Array.from({ length: count }, (_, i) => batchItemKey(key.key, i));
  const rows = await findIdempotentResponses(sql, key.userId, keys);
  if (rows.size === 0) return [];
  return keys.map((k) => {
    const stored = rows.get(k);
    if (!stored || stored.status_code === 0) return undefined;
    if (stored.request_hash !== key.requestHash) throw idempotencyConflict();
    return priorOutcome(stored, key.requestHash);
  });
}
