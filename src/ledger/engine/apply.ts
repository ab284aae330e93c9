import type { Clock } from "@/core/clock";
import { sha256Hex } from "@/core/hash";
import { newId } from "@/core/ids";
import { isDatabaseUnavailable, type Sql, type Tx } from "@/db/client";
import { decide, feeOf } from "./decide";
import { CommitUnknown, committed } from "./commit-outcome";
import { BatchAbandoned } from "./deadline";
import { idempotencyConflict, idempotencyInProgress, nonceUsed, vendorGone } from "./errors";
import {
  addFees,
  claimRequests,
  creditVendors,
  findIdempotentResponse,
  lockAgents,
  storeIdempotentResponses,
  VENDOR_GONE_SQLSTATE,
  writeBatch,
  type AgentState,
  type IntentInsert,
  type TransactionInsert,
} from "./queries";
import type { PaymentOutcome, PaymentRequest } from "./types";

export interface ApplyOptions {
  feeBps: number;
  clock: Clock;
  /**
   * Asked right before the COMMIT is sent: false rolls the batch back (BatchAbandoned). The engine
   * says no once a payment of the batch has passed its deadline.
   */
  mayCommit?: () => boolean;
}

const add = (m: Map<bigint, bigint>, k: bigint, v: bigint) => m.set(k, (m.get(k) ?? 0n) + v);
const sorted = (m: Map<bigint, bigint>) => [...m.entries()].filter(([, v]) => v > 0n).sort((a, b) => (a[0] < b[0] ? -1 : 1));

/**
 * Applies a batch of payments in ONE database transaction: every payment is decided in order
 * against locked agent rows, then all writes go out together (vendors credited once each).
 * Either the whole batch commits, or nothing of it does; each answer is given only after COMMIT.
 *
 * Two round trips to PostgreSQL, whatever the batch holds: BEGIN, the claims (Idempotency-Keys,
 * intent nonces) and the locked agent state go out together; then, once decided here, the writes
 * and COMMIT. A statement that fails aborts the transaction, so the COMMIT pipelined behind it
 * answers ROLLBACK: nothing of the batch stays, and the error is what the caller sees.
 */
export async function applyBatch(sql: Sql, batch: PaymentRequest[], options: ApplyOptions): Promise<PaymentOutcome[]> {
  const conn = await sql.reserve();
  let outcomes: PaymentOutcome[];
  let taken: Set<number>;
  try {
    ({ outcomes, taken } = await inTransaction(conn, batch, options));
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
    if (!(await committed(sql, err.marker))) throw err.cause;
    ({ outcomes, taken } = err);
  }

  // Keys answered by an earlier (committed) request: replay that answer, or refuse a different body.
  for (const i of taken) {
    const k = batch[i]!.idempotency!;
    const stored = await findIdempotentResponse(sql, k.userId, k.key);
    if (!stored || stored.status_code === 0) outcomes[i] = { kind: "refused", error: idempotencyInProgress() };
    else if (stored.request_hash !== k.requestHash) outcomes[i] = { kind: "refused", error: idempotencyConflict() };
    else outcomes[i] = { kind: "replay", status: stored.status_code, body: stored.response_body };
  }
  return outcomes;
}

/** Resolves every promise, then throws the first failure (none is left unobserved meanwhile). */
async function all<T extends readonly unknown[]>(promises: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((r) => r.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}

async function inTransaction(conn: Tx, batch: PaymentRequest[], options: ApplyOptions): Promise<{ outcomes: PaymentOutcome[]; taken: Set<number> }> {
  const outcomes: (PaymentOutcome | undefined)[] = [];
  const taken = new Set<number>();
  const now = options.clock.now();
  const day = now.toISOString().slice(0, 10);
  const keyed = batch.flatMap((p, i) => (p.idempotency ? [i] : []));
  const signed = batch.flatMap((p, i) => (p.intent ? [i] : []));
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

  // delete(): a key sent twice in one batch is claimed by its first request only; the other waits
  // for that answer like any later retry (else both would pay).
  for (const i of keyed) {
    const k = batch[i]!.idempotency!;
    if (!claimed.keys.delete(`${k.userId}:${k.key}`)) taken.add(i);
  }
  // As for keys: of two intents with one (agent, nonce) in a batch, only the first spends it.
  for (const i of signed) {
    const it = batch[i]!.intent!;
    if (!taken.has(i) && !claimed.nonces.delete(`${it.agentPubkey}:${it.nonce}`)) outcomes[i] = { kind: "refused", error: nonceUsed() };
  }

  const todo = batch.map((_, i) => i).filter((i) => !taken.has(i) && !outcomes[i]);
  const agents = new Map<bigint, AgentState>(locked.map((a) => [a.id, a]));
  const debits = new Map<bigint, bigint>();
  const credits = new Map<bigint, bigint>();
  const spend = new Map<bigint, bigint>();
  const txRows: TransactionInsert[] = [];
  const intentRows: IntentInsert[] = [];
  let fees = 0n;
  for (const i of todo) {
    const p = batch[i]!;
    const agent = agents.get(p.agentId);
    const before = agent?.balance ?? 0n;
    const refusal = decide(agent, p);
    if (refusal) {
      outcomes[i] = { kind: "refused", error: refusal };
      continue;
    }
    // SAFETY: decide() refuses a missing agent, so it is defined here.
    const a = agent!;
    const fee = feeOf(p.amount, options.feeBps);
    // As decide(): only signed intents of on-chain agents are settled on chain (optimistic credit).
    const onchain = a.settlement_mode === "onchain" && p.intent !== undefined;
    const id = newId("tx");
    const intentId = onchain ? crypto.randomUUID() : null;
    if (!onchain) add(debits, a.id, p.amount);
    add(credits, p.vendorId, p.amount - fee);
    add(spend, a.id, p.amount);
    fees += fee;
    const row: TransactionInsert = {
      id,
      hash: p.intent?.hash ?? sha256Hex(`machpay-payment:${id}:${p.agentId}:${p.vendorId}:${p.amount}:${p.mint}`),
      agent: p.agentId,
      vendor: p.vendorId,
      service: p.serviceId,
      amount: p.amount,
      fee,
      mint: p.mint,
      latency: Math.max(0, Math.round(performance.now() - p.receivedAt)),
      reference: p.reference,
      source: p.source,
      region: p.region,
      intentId,
      createdAt: now,
    };
    txRows.push(row);
    if (intentId && p.intent) {
      const it = p.intent;
      intentRows.push({ id: intentId, agent: a.id, vendor: p.vendorId, agentPubkey: it.agentPubkey, gatewayPubkey: it.gatewayPubkey, mint: p.mint, amount: p.amount, nonce: it.nonce, deadline: it.deadline, signature: it.signature, transactionId: id });
    }
    outcomes[i] = {
      kind: "paid",
      transaction: {
        id,
        hash: row.hash,
        from_agent_id: row.agent,
        to_vendor_id: row.vendor,
        service_id: row.service,
        amount_atomic: row.amount,
        fee_atomic: fee,
        token_mint: row.mint,
        status: "confirmed",
        latency_ms: row.latency,
        reference: row.reference,
        source: p.source,
        region: row.region,
        intent_id: intentId,
        settled_at: null,
        created_at: now,
      },
      balance: { available_atomic: a.balance, bonded_atomic: a.bonded, pending_atomic: a.pending },
      lowBalance: !onchain && before >= a.low_balance_threshold && a.balance < a.low_balance_threshold,
    };
  }

  // Past this point the batch commits unless the connection dies: a payment whose deadline passed
  // while the batch waited for its connection, its locks or the database must not be made.
  if (options.mayCommit && !options.mayCommit()) throw new BatchAbandoned();

  // The writes and COMMIT, sent together: one statement for the agents' side and the records, then
  // the vendors' credit (hot rows: locked last), fees and stored answers when there are any.
  const writes: Promise<unknown>[] = [writeBatch(conn, { day, debits: sorted(debits), spend: sorted(spend), transactions: txRows, intents: intentRows }).execute()];
  const credited = sorted(credits);
  if (credited.length) writes.push(creditVendors(conn, credited).execute());
  if (fees > 0n) writes.push(addFees(conn, batch[0]!.mint, fees).execute());
  const answered = keyed.filter((i) => !taken.has(i));
  if (answered.length) {
    const rendered = answered.map((i) => batch[i]!.idempotency!.render(outcomes[i]!));
    writes.push(
      storeIdempotentResponses(
        conn,
        answered.map((i) => batch[i]!.idempotency!.userId),
        answered.map((i) => batch[i]!.idempotency!.key),
        rendered.map((r) => r.status),
        rendered.map((r) => JSON.stringify(r.body)),
      ).execute(),
    );
  }
  const commit = conn.unsafe("COMMIT").execute();
  try {
    const [result] = await all([commit, ...writes] as const);
    // After a failed statement PostgreSQL answers COMMIT with ROLLBACK; all() has thrown that
    // statement's error by then, so this is a belt to those braces.
    if (result.command !== "COMMIT") throw new Error(`payment batch ended with ${result.command}, not COMMIT`);
  } catch (err) {
    if ((err as { code?: string }).code === VENDOR_GONE_SQLSTATE) throw vendorGone();
    if (isDatabaseUnavailable(err)) throw new CommitUnknown(err, outcomes as PaymentOutcome[], taken, txRows[0]?.id);
    throw err;
  }
  // SAFETY: every index got an outcome above (taken, nonce-refused, decided), or is taken and gets
  // its replay from applyBatch.
  return { outcomes: outcomes as PaymentOutcome[], taken };
}
