import { AppError, type ErrorCode } from "@/core/errors";
import type { PaymentOutcome, TransactionRecord } from "./types";

// A payment's outcome as stored under its Idempotency-Key, in the payment's own transaction: the
// domain outcome, not an HTTP answer (the routes render both the first answer and every replay
// from it, in one place). JSON with amounts as digit strings; `v` tells it from the HTTP answers
// stored before migration 0014, which are replayed as they are.

export const STORED_OUTCOME_VERSION = 2;
/** idempotency_keys.status_code of a row holding an encoded outcome (0: claimed, not answered yet). */
export const OUTCOME_STATUS = 1;

type Json = Record<string, unknown>;

const transactionJson = (t: TransactionRecord): Json => ({
  ...t,
  from_agent_id: t.from_agent_id?.toString() ?? null,
  to_vendor_id: t.to_vendor_id.toString(),
  amount_atomic: t.amount_atomic.toString(),
  fee_atomic: t.fee_atomic.toString(),
  settled_at: t.settled_at?.toISOString() ?? null,
  created_at: t.created_at.toISOString(),
});

const transactionOf = (j: Json): TransactionRecord => ({
  ...(j as unknown as TransactionRecord),
  from_agent_id: typeof j.from_agent_id === "string" ? BigInt(j.from_agent_id) : null,
  to_vendor_id: BigInt(j.to_vendor_id as string),
  amount_atomic: BigInt(j.amount_atomic as string),
  fee_atomic: BigInt(j.fee_atomic as string),
  settled_at: j.settled_at === null ? null : new Date(j.settled_at as string),
  created_at: new Date(j.created_at as string),
});

/** The stored form of an outcome the engine decided (a replay is never stored again). */
export function encodeOutcome(outcome: Exclude<PaymentOutcome, { kind: "replay" }>, requestId: string | undefined): Json {
  if (outcome.kind === "paid") {
    const b = outcome.balance;
    return {
      v: STORED_OUTCOME_VERSION,
      kind: "paid",
      transaction: transactionJson(outcome.transaction),
      balance: { available_atomic: b.available_atomic.toString(), bonded_atomic: b.bonded_atomic.toString(), pending_atomic: b.pending_atomic.toString() },
      low_balance: outcome.lowBalance,
    };
  }
  const e = outcome.error;
  return {
    v: STORED_OUTCOME_VERSION,
    kind: "refused",
    error: { code: e.code, message: e.message, status: e.status, ...(e.details ? { details: e.details } : {}) },
    request_id: requestId ?? null,
  };
}

/** The outcome a stored answer replays. */
export function decodeOutcome(statusCode: number, body: unknown): PaymentOutcome {
  const j = body as Json;
  if (statusCode !== OUTCOME_STATUS || j?.v !== STORED_OUTCOME_VERSION) return { kind: "replay", status: statusCode, body };
  if (j.kind === "paid") {
    const b = j.balance as Record<string, string>;
    return {
      kind: "paid",
      replayed: true,
      transaction: transactionOf(j.transaction as Json),
      balance: { available_atomic: BigInt(b.available_atomic!), bonded_atomic: BigInt(b.bonded_atomic!), pending_atomic: BigInt(b.pending_atomic!) },
      lowBalance: j.low_balance === true,
    };
  }
  const e = j.error as { code: ErrorCode; message: string; status: number; details?: Record<string, unknown> };
  return {
    kind: "refused",
    replayed: true,
    // SAFETY: the code was stored from an AppError; a replay keeps the status it was first answered with.
    error: AppError.withStatus(e.code, e.status, e.message, e.details ? { details: e.details } : {}),
    ...(typeof j.request_id === "string" ? { requestId: j.request_id } : {}),
  };
}
