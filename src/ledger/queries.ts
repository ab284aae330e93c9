import type { TransactionRecord } from "./engine/types";
import type { Tx } from "@/db/client";

export interface AgentBalanceRow {
  available: bigint;
  bonded: bigint;
  pending: bigint;
  status: "ACTIVE" | "SUSPENDED";
}

/**
 * available and bonded live on the user row; pending is what the agent's signed intents still
 * owe settlement on chain (payment_intents PENDING).
 */
export async function agentBalance(sql: Tx, userId: bigint): Promise<AgentBalanceRow | undefined> {
  const [row] = await sql<AgentBalanceRow[]>`
    SELECT u.balance_atomic AS available,
           u.bonded_atomic AS bonded,
           COALESCE((SELECT sum(amount_atomic) FROM payment_intents WHERE agent_id = u.id AND status = 'PENDING'), 0)::numeric(20,0) AS pending,
           u.status
    FROM users u
    WHERE u.id = ${userId}`;
  return row;
}

export async function lockAgentRow(sql: Tx, userId: bigint) {
  const [row] = await sql<{ balance: bigint; bonded: bigint; status: string; settlement_mode: string | null; is_agent: boolean | null }[]>`
    SELECT u.balance_atomic AS balance, u.bonded_atomic AS bonded, u.status, p.settlement_mode, (p.type = 'agent') AS is_agent
    FROM users u
    LEFT JOIN profiles p ON p.user_id = u.id
    WHERE u.id = ${userId}
    FOR UPDATE OF u`;
  return row;
}

export async function pendingIntentsOf(sql: Tx, userId: bigint): Promise<bigint> {
  const [row] = await sql<{ pending: bigint }[]>`
    SELECT COALESCE(sum(amount_atomic), 0)::numeric(20,0) AS pending
    FROM payment_intents
    WHERE agent_id = ${userId} AND status = 'PENDING'`;
  return row!.pending;
}

/** Moves between available and bonded; the CHECKs refuse any overdraw even if a caller erred. */
export async function moveBond(sql: Tx, userId: bigint, toBond: bigint) {
  const [row] = await sql<{ balance: bigint; bonded: bigint }[]>`
    UPDATE users
    SET balance_atomic = balance_atomic - ${toBond}, bonded_atomic = bonded_atomic + ${toBond}, updated_at = now()
    WHERE id = ${userId}
    RETURNING balance_atomic AS balance, bonded_atomic AS bonded`;
  return row!;
}

export async function insertDeposit(sql: Tx, d: { userId: bigint; amount: bigint; mint: string; txSignature: string | null; source: string }) {
  const [row] = await sql<{ id: bigint }[]>`
    INSERT INTO deposits (user_id, amount_atomic, token_mint, tx_signature, source)
    VALUES (${d.userId}, ${d.amount}, ${d.mint}, ${d.txSignature}, ${d.source})
    ON CONFLICT (tx_signature) DO NOTHING
    RETURNING id`;
  return row;
}

export async function creditBalance(sql: Tx, userId: bigint, amount: bigint) {
  const [row] = await sql<{ balance: bigint }[]>`
    UPDATE users SET balance_atomic = balance_atomic + ${amount}, updated_at = now()
    WHERE id = ${userId}
    RETURNING balance_atomic AS balance`;
  return row;
}

export interface LimitsRow {
  per_payment_max_atomic: bigint | null;
  daily_max_atomic: bigint | null;
  allowed_vendor_ids: bigint[] | null;
}

export async function findLimits(sql: Tx, userId: bigint): Promise<LimitsRow | undefined> {
  const [row] = await sql<LimitsRow[]>`
    SELECT per_payment_max_atomic, daily_max_atomic, allowed_vendor_ids FROM agent_limits WHERE user_id = ${userId}`;
  return row;
}

export async function upsertLimits(sql: Tx, userId: bigint, l: LimitsRow): Promise<LimitsRow> {
  const vendors = l.allowed_vendor_ids === null ? null : sql.array(l.allowed_vendor_ids.map(String));
  const [row] = await sql<LimitsRow[]>`
    INSERT INTO agent_limits (user_id, per_payment_max_atomic, daily_max_atomic, allowed_vendor_ids)
    VALUES (${userId}, ${l.per_payment_max_atomic}, ${l.daily_max_atomic}, ${vendors}::bigint[])
    ON CONFLICT (user_id) DO UPDATE SET
      per_payment_max_atomic = EXCLUDED.per_payment_max_atomic,
      daily_max_atomic = EXCLUDED.daily_max_atomic,
      allowed_vendor_ids = EXCLUDED.allowed_vendor_ids,
      updated_at = now()
    RETURNING per_payment_max_atomic, daily_max_atomic, allowed_vendor_ids`;
  return row!;
}

export interface SettingsRow {
  settlement_mode: "ledger" | "onchain";
  low_balance_threshold_atomic: bigint;
}

export async function findSettings(sql: Tx, userId: bigint): Promise<SettingsRow | undefined> {
  const [row] = await sql<SettingsRow[]>`
    SELECT settlement_mode, low_balance_threshold_atomic FROM profiles WHERE user_id = ${userId} AND type = 'agent'`;
  return row;
}

export async function updateSettings(sql: Tx, userId: bigint, s: SettingsRow): Promise<SettingsRow | undefined> {
  const [row] = await sql<SettingsRow[]>`
    UPDATE profiles
    SET settlement_mode = ${s.settlement_mode}, low_balance_threshold_atomic = ${s.low_balance_threshold_atomic}, updated_at = now()
    WHERE user_id = ${userId} AND type = 'agent'
    RETURNING settlement_mode, low_balance_threshold_atomic`;
  return row;
}

/** A transactions row: the same shape the payment engine records. */
export type TransactionRow = TransactionRecord;

/** Newest first; the cursor is the last row's (created_at, id). */
export async function listAgentTransactions(sql: Tx, userId: bigint, limit: number, after?: { createdAt: Date; id: string }) {
  return sql<TransactionRow[]>`
    SELECT id, hash, from_agent_id, to_vendor_id, service_id, amount_atomic, fee_atomic, token_mint, status,
           latency_ms, reference, source, region, intent_id, settled_at, created_at
    FROM transactions
    WHERE from_agent_id = ${userId}
      ${after ? sql`AND (created_at, id) < (${after.createdAt}, ${after.id})` : sql``}
    ORDER BY created_at DESC, id DESC
    LIMIT ${limit}`;
}

export interface PaymentEventBatchRow {
  id: bigint;
  transaction_ids: string[];
  balances: [string, string, string][];
  low_balance: string[];
}

/**
 * Takes the oldest payment event batches no other relay holds, deleting them in the caller's
 * transaction: they are gone only if that transaction commits (after their events went out).
 */
export async function claimPaymentEventBatches(sql: Tx, limit: number): Promise<PaymentEventBatchRow[]> {
  const rows = await sql<PaymentEventBatchRow[]>`
    DELETE FROM payment_event_batches
    WHERE id IN (SELECT id FROM payment_event_batches ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED)
    RETURNING id, transaction_ids, balances, low_balance`;
  return rows.sort((a, b) => (a.id < b.id ? -1 : 1));
}

export async function transactionsByIds(sql: Tx, ids: string[]): Promise<TransactionRow[]> {
  return sql<TransactionRow[]>`
    SELECT id, hash, from_agent_id, to_vendor_id, service_id, amount_atomic, fee_atomic, token_mint, status,
           latency_ms, reference, source, region, intent_id, settled_at, created_at
    FROM transactions
    WHERE id = ANY(${ids})`;
}
