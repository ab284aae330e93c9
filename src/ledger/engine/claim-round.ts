import type { Tx } from "@/db/client";
import { nonceUsed } from "./errors";
import { claimRequests, lockAgents, type AgentState } from "./queries";
import type { PaymentOutcome, PaymentRequest } from "./types";

// A batch's first round trip: BEGIN, the claims (Idempotency-Keys and intent nonces, one
// statement) and the locked agents' state, pipelined.

export interface Claimed {
  /** Payments whose Idempotency-Key an earlier request holds: they get that request's answer. */
  taken: Set<number>;
  /** Payments already answered here (a spent intent nonce). */
  refused: Map<number, PaymentOutcome>;
  agents: Map<bigint, AgentState>;
}

// 25P02 in_failed_sql_transaction: a statement pipelined behind the one that failed. Never the cause.
const ABORTED_BEFORE = "25P02";

/**
 * Resolves every promise, then throws the first failure (none is left unobserved meanwhile): the
 * cause, not the 25P02 of a statement queued behind it. Statements of one round trip may settle
 * out of their order in the array (a helper that awaits before sending its second statement), so
 * the first in the array can be a consequence: a write refused on a read-only server (25006) then
 * surfaced as "current transaction is aborted", a 500 where a 503 was due.
 */
export async function all<T extends readonly unknown[]>(promises: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(promises);
  const reasons = settled.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
  const cause = reasons.find((e) => (e as { code?: unknown } | null)?.code !== ABORTED_BEFORE) ?? reasons[0];
  if (reasons.length) throw cause;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}

export async function claimRound(conn: Tx, batch: PaymentRequest[], day: string): Promise<Claimed> {
  // Every agent the batch names, even one whose payment a claim below refuses: locking it costs less
  // than a third round trip.
  const agentIds = [...new Set(batch.map((p) => p.agentId))].sort((a, b) => (a < b ? -1 : 1));
  const claims = batch.flatMap((p) =>
    p.idempotency || p.intent
      ? [{ ...(p.idempotency ? { key: p.idempotency } : {}), ...(p.intent ? { nonce: p.intent } : {}) }]
      : [],
  );
  const [, claimed, locked] = await all([
    conn.unsafe("BEGIN").execute(),
    claims.length ? claimRequests(conn, claims) : { keys: new Set<string>(), nonces: new Set<string>() },
    lockAgents(conn, agentIds, day),
  ] as const);

  const taken = new Set<number>();
  const refused = new Map<number, PaymentOutcome>();
  // delete(): a key sent twice in one batch is claimed by its first request only; the other waits
  // for that answer like any later retry (else both would pay).
  batch.forEach((p, i) => {
    if (p.idempotency && !claimed.keys.delete(`${p.idempotency.userId}:${p.idempotency.key}`)) taken.add(i);
  });
  // As for keys: of two intents with one (agent, nonce) in a batch, only the first spends it.
  batch.forEach((p, i) => {
    if (p.intent && !taken.has(i) && !claimed.nonces.delete(`${p.intent.agentPubkey}:${p.intent.nonce}`)) refused.set(i, { kind: "refused", error: nonceUsed() });
  });
  return { taken, refused, agents: new Map(locked.map((a) => [a.id, a])) };
}
