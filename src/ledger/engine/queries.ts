import type { Tx } from "@/db/client";

// The batch path's SQL: set-based statements over unnest() arrays, one round trip each.

export interface AgentState {
  id: bigint;
  balance: bigint;
  bonded: bigint;
  status: "ACTIVE" | "SUSPENDED";
  is_agent: boolean;
  settlement_mode: "ledger" | "onchain";
  low_balance_threshold: bigint;
  per_payment_max: bigint | null;
  daily_max: bigint | null;
  allowed_vendor_ids: bigint[] | null;
  spent_today: bigint;
  pending: bigint;
}

/**
 * Locks the agents of a batch in id order (every writer locks users before profiles: no deadlocks),
 * then reads their state. Two statements, on purpose: a statement reads from the snapshot it began
 * with, so state read by the locking statement itself would miss what a batch holding the lock
 * committed meanwhile (its daily spend, its intents: limits and bond caps would be overrun).
 */
export async function lockAgents(sql: Tx, ids: bigint[], day: string): Promise<AgentState[]> {
  const list = sql.array(ids.map(String));
  await sql`SELECT 1 FROM users WHERE id = ANY(${list}::bigint[]) ORDER BY id FOR UPDATE`;
  return sql<AgentState[]>`
    SELECT u.id,
           u.balance_atomic AS balance,
           u.bonded_atomic AS bonded,
           u.status,
           (p.type = 'agent') AS is_agent,
           COALESCE(p.settlement_mode, 'ledger') AS settlement_mode,
           COALESCE(p.low_balance_threshold_atomic, 0) AS low_balance_threshold,
           l.per_payment_max_atomic AS per_payment_max,
           l.daily_max_atomic AS daily_max,
           l.allowed_vendor_ids,
           COALESCE(ds.spent_atomic, 0) AS spent_today,
           COALESCE((SELECT sum(pi.amount_atomic) FROM payment_intents pi WHERE pi.agent_id = u.id AND pi.status = 'PENDING'), 0)::numeric(20,0) AS pending
    FROM users u
    LEFT JOIN profiles p ON p.user_id = u.id
    LEFT JOIN agent_limits l ON l.user_id = u.id
    LEFT JOIN agent_daily_spend ds ON ds.user_id = u.id AND ds.day = ${day}::date
    WHERE u.id = ANY(${list}::bigint[])
    ORDER BY u.id`;
}

/** Spends intent nonces; returns the ones that were new (the rest are replays). */
export async function spendNonces(sql: Tx, pubkeys: string[], nonces: bigint[]): Promise<Set<string>> {
  const rows = await sql<{ agent_pubkey: string; nonce: bigint }[]>`
    INSERT INTO intent_nonces (agent_pubkey, nonce)
    SELECT * FROM unnest(${sql.array(pubkeys)}::varchar[], ${sql.array(nonces.map(String))}::numeric[])
    ON CONFLICT DO NOTHING
    RETURNING agent_pubkey, nonce`;
  return new Set(rows.map((r) => `${r.agent_pubkey}:${r.nonce}`));
}

/** Claims Idempotency-Keys; returns the claimed ones (the rest were answered, or are being). */
export async function claimIdempotencyKeys(sql: Tx, userIds: bigint[], keys: string[], hashes: string[]): Promise<Set<string>> {
  const rows = await sql<{ user_id: bigint; key: string }[]>`
    INSERT INTO idempotency_keys (user_id, key, request_hash, status_code, response_body)
    SELECT u, k, h, 0, '{}'::jsonb
    FROM unnest(${sql.array(userIds.map(String))}::bigint[], ${sql.array(keys)}::varchar[], ${sql.array(hashes)}::char(64)[]) AS t(u, k, h)
    ON CONFLICT DO NOTHING
    RETURNING user_id, key`;
  return new Set(rows.map((r) => `${r.user_id}:${r.key}`));
}

export function debitAgents(sql: Tx, ids: bigint[], amounts: bigint[]) {
  return sql`
    UPDATE users u
    SET balance_atomic = u.balance_atomic - d.amount
    FROM unnest(${sql.array(ids.map(String))}::bigint[], ${sql.array(amounts.map(String))}::numeric[]) AS d(id, amount)
    WHERE u.id = d.id`;
}

/**
 * Credits vendors, paying down any debt first (both SET expressions read the old debt). One
 * update per vendor per batch, in id order, however many payments it received. Returns the
 * credited vendors: the caller checks that none is missing (a credit to no row is money lost).
 */
export function creditVendors(sql: Tx, ids: bigint[], amounts: bigint[]) {
  // Locks the vendor rows in id order first: an UPDATE ... FROM locks in whatever order its join
  // produces, and two batches locking two vendors in opposite orders deadlock (1 s each, measured).
  return sql<{ user_id: bigint }[]>`
    WITH locked AS (
      SELECT user_id FROM profiles
      WHERE user_id = ANY(${sql.array(ids.map(String))}::bigint[])
      ORDER BY user_id
      FOR UPDATE
    )
    UPDATE profiles p
    SET debt_atomic = GREATEST(p.debt_atomic - c.amount, 0),
        unsettled_balance_atomic = p.unsettled_balance_atomic + GREATEST(c.amount - p.debt_atomic, 0)
    FROM (
      SELECT * FROM unnest(${sql.array(ids.map(String))}::bigint[], ${sql.array(amounts.map(String))}::numeric[]) AS x(id, amount)
      ORDER BY id
    ) AS c
    WHERE p.user_id = c.id AND p.type = 'vendor' AND p.user_id IN (SELECT user_id FROM locked)
    RETURNING p.user_id`;
}

export function addFees(sql: Tx, mint: string, amount: bigint) {
  return sql`
    INSERT INTO platform_accounts (token_mint, fees_atomic)
    VALUES (${mint}, ${amount})
    ON CONFLICT (token_mint) DO UPDATE SET fees_atomic = platform_accounts.fees_atomic + EXCLUDED.fees_atomic`;
}

export function addDailySpend(sql: Tx, day: string, ids: bigint[], amounts: bigint[]) {
  return sql`
    INSERT INTO agent_daily_spend (user_id, day, spent_atomic)
    SELECT id, ${day}::date, amount
    FROM unnest(${sql.array(ids.map(String))}::bigint[], ${sql.array(amounts.map(String))}::numeric[]) AS d(id, amount)
    -- Rows are inserted, and conflicting ones locked, in this order: id order, like every batch.
    ORDER BY id
    ON CONFLICT (user_id, day) DO UPDATE SET spent_atomic = agent_daily_spend.spent_atomic + EXCLUDED.spent_atomic`;
}

export interface TransactionInsert {
  id: string;
  hash: string;
  agent: bigint;
  vendor: bigint;
  service: string | null;
  amount: bigint;
  fee: bigint;
  mint: string;
  latency: number;
  reference: string | null;
  source: string;
  region: string | null;
  intentId: string | null;
  createdAt: Date;
}

export function insertTransactions(sql: Tx, rows: TransactionInsert[]) {
  const col = <K extends keyof TransactionInsert>(k: K) => rows.map((r) => r[k]);
  return sql`
    INSERT INTO transactions
      (id, hash, from_agent_id, to_vendor_id, service_id, amount_atomic, fee_atomic, token_mint, latency_ms, reference, source, region, intent_id, created_at)
    SELECT * FROM unnest(
      ${sql.array(col("id"))}::varchar[],
      ${sql.array(col("hash"))}::varchar[],
      ${sql.array(col("agent").map(String))}::bigint[],
      ${sql.array(col("vendor").map(String))}::bigint[],
      ${sql.array(col("service") as string[])}::varchar[],
      ${sql.array(col("amount").map(String))}::numeric[],
      ${sql.array(col("fee").map(String))}::numeric[],
      ${sql.array(col("mint"))}::varchar[],
      ${sql.array(col("latency"))}::int[],
      ${sql.array(col("reference") as string[])}::varchar[],
      ${sql.array(col("source"))}::varchar[],
      ${sql.array(col("region") as string[])}::varchar[],
      ${sql.array(col("intentId") as string[])}::uuid[],
      ${sql.array(col("createdAt").map((d) => d.toISOString()))}::timestamptz[]
    )`;
}

export interface IntentInsert {
  id: string;
  agent: bigint;
  vendor: bigint;
  agentPubkey: string;
  gatewayPubkey: string;
  mint: string;
  amount: bigint;
  nonce: bigint;
  deadline: bigint;
  signature: string;
  transactionId: string;
}

export function insertIntents(sql: Tx, rows: IntentInsert[]) {
  const col = <K extends keyof IntentInsert>(k: K) => rows.map((r) => r[k]);
  return sql`
    INSERT INTO payment_intents
      (id, agent_id, vendor_id, agent_pubkey, gateway_pubkey, token_mint, amount_atomic, nonce, deadline, signature, transaction_id)
    SELECT * FROM unnest(
      ${sql.array(col("id"))}::uuid[],
      ${sql.array(col("agent").map(String))}::bigint[],
      ${sql.array(col("vendor").map(String))}::bigint[],
      ${sql.array(col("agentPubkey"))}::varchar[],
      ${sql.array(col("gatewayPubkey"))}::varchar[],
      ${sql.array(col("mint"))}::varchar[],
      ${sql.array(col("amount").map(String))}::numeric[],
      ${sql.array(col("nonce").map(String))}::numeric[],
      ${sql.array(col("deadline").map(String))}::bigint[],
      ${sql.array(col("signature"))}::text[],
      ${sql.array(col("transactionId"))}::varchar[]
    )`;
}

export function storeIdempotentResponses(sql: Tx, userIds: bigint[], keys: string[], statuses: number[], bodies: string[]) {
  return sql`
    UPDATE idempotency_keys k
    SET status_code = r.status, response_body = r.body::jsonb
    FROM unnest(${sql.array(userIds.map(String))}::bigint[], ${sql.array(keys)}::varchar[], ${sql.array(statuses)}::int[], ${sql.array(bodies)}::text[])
      AS r(user_id, key, status, body)
    WHERE k.user_id = r.user_id AND k.key = r.key`;
}

export async function findIdempotentResponse(sql: Tx, userId: bigint, key: string) {
  const [row] = await sql<{ request_hash: string; status_code: number; response_body: unknown }[]>`
    SELECT request_hash, status_code, response_body FROM idempotency_keys WHERE user_id = ${userId} AND key = ${key}`;
  return row;
}
