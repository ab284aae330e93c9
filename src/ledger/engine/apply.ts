import type { Clock } from "@/core/clock";
import { sha256Hex } from "@/core/hash";
import { newId } from "@/core/ids";
import type { Sql } from "@/db/client";
import { decide, feeOf } from "./decide";
import { idempotencyConflict, idempotencyInProgress, nonceUsed, vendorGone } from "./errors";
import {
  addDailySpend,
  addFees,
  claimIdempotencyKeys,
  creditVendors,
  debitAgents,
  findIdempotentResponse,
  insertIntents,
  insertTransactions,
  lockAgents,
  spendNonces,
  storeIdempotentResponses,
  type AgentState,
  type IntentInsert,
  type TransactionInsert,
} from "./queries";
import type { PaymentOutcome, PaymentRequest } from "./types";

export interface ApplyOptions {
  feeBps: number;
  clock: Clock;
}

const add = (m: Map<bigint, bigint>, k: bigint, v: bigint) => m.set(k, (m.get(k) ?? 0n) + v);
const sorted = (m: Map<bigint, bigint>) => [...m.entries()].filter(([, v]) => v > 0n).sort((a, b) => (a[0] < b[0] ? -1 : 1));

/**
 * Applies a batch of payments in ONE database transaction: every payment is decided in order
 * against locked agent rows, then all writes go out together (vendors credited once each).
 * Either the whole batch commits, or nothing of it does; each answer is given only after COMMIT.
 */
export async function applyBatch(sql: Sql, batch: PaymentRequest[], options: ApplyOptions): Promise<PaymentOutcome[]> {
  const outcomes: (PaymentOutcome | undefined)[] = [];
  const taken = new Set<number>();
  await sql.begin(async (tx) => {
    outcomes.length = 0;
    taken.clear();
    const now = options.clock.now();
    const day = now.toISOString().slice(0, 10);
    const live = batch.map((_, i) => i);

    const keyed = live.filter((i) => batch[i]!.idempotency);
    if (keyed.length > 0) {
      const ids = keyed.map((i) => batch[i]!.idempotency!);
      const claimed = await claimIdempotencyKeys(tx, ids.map((k) => k.userId), ids.map((k) => k.key), ids.map((k) => k.requestHash));
      // delete(): a key sent twice in one batch is claimed by its first request only; the
      // other waits for that answer like any later retry (else both would pay).
      for (const i of keyed) {
        const k = batch[i]!.idempotency!;
        if (!claimed.delete(`${k.userId}:${k.key}`)) taken.add(i);
      }
    }
    const pending = live.filter((i) => !taken.has(i));

    const signed = pending.filter((i) => batch[i]!.intent);
    if (signed.length > 0) {
      const fresh = await spendNonces(tx, signed.map((i) => batch[i]!.intent!.agentPubkey), signed.map((i) => batch[i]!.intent!.nonce));
      // As for keys: of two intents with one (agent, nonce) in a batch, only the first spends it.
      for (const i of signed) {
        const it = batch[i]!.intent!;
        if (!fresh.delete(`${it.agentPubkey}:${it.nonce}`)) outcomes[i] = { kind: "refused", error: nonceUsed() };
      }
    }

    const todo = pending.filter((i) => !outcomes[i]);
    const agentIds = [...new Set(todo.map((i) => batch[i]!.agentId))].sort((a, b) => (a < b ? -1 : 1));
    const agents = new Map<bigint, AgentState>((agentIds.length ? await lockAgents(tx, agentIds, day) : []).map((a) => [a.id, a]));

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

    // Issued together: postgres.js pipelines them on the transaction's connection.
    const writes: Promise<unknown>[] = [];
    const d = sorted(debits);
    if (d.length) writes.push(debitAgents(tx, d.map(([k]) => k), d.map(([, v]) => v)));
    const c = sorted(credits);
    if (c.length) {
      // A vendor whose profile went away since its payments were resolved: the batch must not
      // debit agents for a credit that lands nowhere. Rolled back, it is retried payment by payment.
      const credited = creditVendors(tx, c.map(([k]) => k), c.map(([, v]) => v));
      writes.push(
        credited.then((rows) => {
          if (rows.length !== c.length) throw vendorGone();
        }),
      );
    }
    if (fees > 0n) writes.push(addFees(tx, batch[0]!.mint, fees));
    const s = sorted(spend);
    if (s.length) writes.push(addDailySpend(tx, day, s.map(([k]) => k), s.map(([, v]) => v)));
    if (txRows.length) writes.push(insertTransactions(tx, txRows));
    if (intentRows.length) writes.push(insertIntents(tx, intentRows));
    const answered = keyed.filter((i) => !taken.has(i));
    if (answered.length) {
      const rendered = answered.map((i) => batch[i]!.idempotency!.render(outcomes[i]!));
      writes.push(
        storeIdempotentResponses(
          tx,
          answered.map((i) => batch[i]!.idempotency!.userId),
          answered.map((i) => batch[i]!.idempotency!.key),
          rendered.map((r) => r.status),
          rendered.map((r) => JSON.stringify(r.body)),
        ),
      );
    }
    await Promise.all(writes);
  });

  // Keys answered by an earlier (committed) request: replay that answer, or refuse a different body.
  for (const i of taken) {
    const k = batch[i]!.idempotency!;
    const stored = await findIdempotentResponse(sql, k.userId, k.key);
    if (!stored || stored.status_code === 0) outcomes[i] = { kind: "refused", error: idempotencyInProgress() };
    else if (stored.request_hash !== k.requestHash) outcomes[i] = { kind: "refused", error: idempotencyConflict() };
    else outcomes[i] = { kind: "replay", status: stored.status_code, body: stored.response_body };
  }
  // SAFETY: every index got an outcome above (taken, nonce-refused, decided).
  return outcomes as PaymentOutcome[];
}
