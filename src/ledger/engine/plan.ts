import { sha256Hex } from "@/core/hash";
import { newId } from "@/core/ids";
import { decide, feeOf } from "./decide";
import type { AgentState, IntentInsert, TransactionInsert } from "./queries";
import type { PaymentOutcome, PaymentRequest } from "./types";

// A batch decided in memory, in order, against its locked agents: every payment's outcome, and the
// writes that make the paid ones true (sent in the second round trip).

export interface BatchPlan {
  outcomes: Map<number, PaymentOutcome>;
  day: string;
  /** Per agent, id order: debited from the ledger balance / added to today's spend. */
  debits: [bigint, bigint][];
  spend: [bigint, bigint][];
  /** Per vendor, id order: credited (amount less fee). */
  credits: [bigint, bigint][];
  fees: bigint;
  transactions: TransactionInsert[];
  intents: IntentInsert[];
}

const add = (m: Map<bigint, bigint>, k: bigint, v: bigint) => m.set(k, (m.get(k) ?? 0n) + v);
const sorted = (m: Map<bigint, bigint>) => [...m.entries()].filter(([, v]) => v > 0n).sort((a, b) => (a[0] < b[0] ? -1 : 1));

/** `todo`: the payments left to decide (neither taken by an earlier request nor refused by a claim). */
export function planBatch(batch: PaymentRequest[], todo: number[], agents: Map<bigint, AgentState>, options: { feeBps: number; now: Date }): BatchPlan {
  const { now } = options;
  const outcomes = new Map<number, PaymentOutcome>();
  const debits = new Map<bigint, bigint>();
  const credits = new Map<bigint, bigint>();
  const spend = new Map<bigint, bigint>();
  const transactions: TransactionInsert[] = [];
  const intents: IntentInsert[] = [];
  let fees = 0n;
  for (const i of todo) {
    const p = batch[i]!;
    const agent = agents.get(p.agentId);
    const before = agent?.balance ?? 0n;
    const refusal = decide(agent, p);
    if (refusal) {
      outcomes.set(i, { kind: "refused", error: refusal });
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
    transactions.push(row);
    if (intentId && p.intent) {
      const it = p.intent;
      intents.push({ id: intentId, agent: a.id, vendor: p.vendorId, agentPubkey: it.agentPubkey, gatewayPubkey: it.gatewayPubkey, mint: p.mint, amount: p.amount, nonce: it.nonce, deadline: it.deadline, signature: it.signature, transactionId: id });
    }
    outcomes.set(i, {
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
    });
  }
  return { outcomes, day: now.toISOString().slice(0, 10), debits: sorted(debits), spend: sorted(spend), credits: sorted(credits), fees, transactions, intents };
}
