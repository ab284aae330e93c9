import type { Tx } from "@/db/client";

// agent_accounts (sql/0015): a payer's balance, bond and settings. Every agent has a row from its
// profile's creation; another user gets one with its first deposit; no row reads as zero.

export interface AgentBalanceRow {
  available: bigint;
  bonded: bigint;
  pending: bigint;
  status: "ACTIVE" | "SUSPENDED";
}

/**
 * available and bonded live on the account; pending is what the agent's signed intents still owe
 * settlement on chain (payment_intents PENDING); status is the user's (auth's, read only here).
 * Undefined only for a user that does not exist.
 */
export async function agentBalance(sql: Tx, userId: bigint): Promise<AgentBalanceRow | undefined> {
  const [row] = await sql<AgentBalanceRow[]>`
    SELECT COALESCE(a.balance_atomic, 0) AS available,
           COALESCE(a.bonded_atomic, 0) AS bonded,
           COALESCE((SELECT sum(amount_atomic) FROM payment_intents WHERE agent_id = u.id AND status = 'PENDING'), 0)::numeric(20,0) AS pending,
           u.status
    FROM users u
    LEFT JOIN agent_accounts a ON a.user_id = u.id
    WHERE u.id = ${userId}`;
  return row;
}

export interface AgentAccountRow {
  balance: bigint;
  bonded: bigint;
  settlement_mode: "ledger" | "onchain";
  low_balance_threshold_atomic: bigint;
  status: "ACTIVE" | "SUSPENDED";
  is_agent: boolean | null;
}

/**
 * Locks the agent's account, then reads it with the user's status and profile type. Two
 * statements, as the payment engine's lockAgents: one that waited for the lock would otherwise
 * read users.status from before the wait, and miss a suspension committed by the lock's holder.
 * Undefined when there is no account to lock (a user that never had a profile nor a deposit).
 */
export async function lockAgentAccount(sql: Tx, userId: bigint): Promise<AgentAccountRow | undefined> {
  const locked = sql`SELECT 1 FROM agent_accounts WHERE user_id = ${userId} FOR UPDATE`.execute();
  const state = sql<AgentAccountRow[]>`
    SELECT a.balance_atomic AS balance, a.bonded_atomic AS bonded, a.settlement_mode, a.low_balance_threshold_atomic,
           u.status, (p.type = 'agent') AS is_agent
    FROM agent_accounts a
    JOIN users u ON u.id = a.user_id
    LEFT JOIN profiles p ON p.user_id = a.user_id
    WHERE a.user_id = ${userId}`.execute();
  const [held, [row]] = await Promise.all([locked, state]);
  return held.length > 0 ? row : undefined;
}

/**
 * Locks the agent's account, opening an empty one first if it has none, so that the lock is
 * always taken: it is what orders a suspension against the agent's payment batches.
 */
export async function lockAgentForSuspension(sql: Tx, userId: bigint): Promise<void> {
  await sql`INSERT INTO agent_accounts (user_id) VALUES (${userId}) ON CONFLICT (user_id) DO NOTHING`;
  await sql`SELECT 1 FROM agent_accounts WHERE user_id = ${userId} FOR UPDATE`;
}

/** Moves between available and bonded; the CHECKs refuse any overdraw even if a caller erred. */
export async function moveBond(sql: Tx, userId: bigint, toBond: bigint) {
  const [row] = await sql<{ balance: bigint; bonded: bigint }[]>`
    UPDATE agent_accounts
    SET balance_atomic = balance_atomic - ${toBond}, bonded_atomic = bonded_atomic + ${toBond}, updated_at = now()
    WHERE user_id = ${userId}
    RETURNING balance_atomic AS balance, bonded_atomic AS bonded`;
  return row!;
}

/** A deposit's credit, opening the account on a first deposit. */
export async function creditAgent(sql: Tx, userId: bigint, amount: bigint) {
  const [row] = await sql<{ balance: bigint }[]>`
    INSERT INTO agent_accounts AS a (user_id, balance_atomic)
    VALUES (${userId}, ${amount})
    ON CONFLICT (user_id) DO UPDATE SET balance_atomic = a.balance_atomic + EXCLUDED.balance_atomic, updated_at = now()
    RETURNING balance_atomic AS balance`;
  return row;
}

export interface SettingsRow {
  settlement_mode: "ledger" | "onchain";
  low_balance_threshold_atomic: bigint;
}

/** Undefined for a user without an agent profile. */
export async function findSettings(sql: Tx, userId: bigint): Promise<SettingsRow | undefined> {
  const [row] = await sql<SettingsRow[]>`
    SELECT a.settlement_mode, a.low_balance_threshold_atomic
    FROM agent_accounts a
    JOIN profiles p ON p.user_id = a.user_id AND p.type = 'agent'
    WHERE a.user_id = ${userId}`;
  return row;
}

export async function updateSettings(sql: Tx, userId: bigint, s: SettingsRow): Promise<SettingsRow> {
  const [row] = await sql<SettingsRow[]>`
    UPDATE agent_accounts
    SET settlement_mode = ${s.settlement_mode}, low_balance_threshold_atomic = ${s.low_balance_threshold_atomic}, updated_at = now()
    WHERE user_id = ${userId}
    RETURNING settlement_mode, low_balance_threshold_atomic`;
  return row!;
}
