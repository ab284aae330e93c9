import type { Tx } from "@/db/client";

// The batch path's SQL: set-based statements over unnest() arrays, one round trip each.

// Element type oids: each array reaches PostgreSQL as its column's array type, parsed once, instead
// of a text[] cast element by element (a tenth of PostgreSQL's time in a batch, measured).
const INT8 = 20, INT4 = 23, TEXT = 25, BPCHAR = 1042, VARCHAR = 1043, TIMESTAMPTZ = 1184, NUMERIC = 1700, UUID = 2950;

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

/** What an agent without an account row holds (sql/0015: no row reads as zero balances). */
const NO_ACCOUNT = { balance: 0n, bonded: 0n, settlement_mode: "ledger", low_balance_threshold: 0n } as const;

/**
 * Locks the agents' accounts of a batch in id order (every writer locks agent_accounts before
 * vendor_accounts: no deadlocks), then reads their state. Two statements, on purpose: a statement
 * reads from the snapshot it began with, so state read by the locking statement itself would miss
 * what a batch holding the lock committed meanwhile (its daily spend, its intents: limits and bond
 * caps would be overrun). Both are sent at once (pipelined): the second starts, with a fresh
 * snapshot, when the first is done.
 *
 * The read also joins users.status and profiles.type, identity the ledger reads but never writes:
 * a suspension is written while its writer holds the agent's account lock (settlement.ts), so a
 * batch holding that lock reads it committed. An account the first statement did not lock (none
 * yet, or one created between the two statements) is read as no account: the batch decides only
 * on rows it holds, and with no balance and no bond no payment of it is made.
 */
export function lockAgents(sql: Tx, ids: bigint[], day: string): Promise<AgentState[]> {
  const list = sql.array(ids, INT8);
  const locked = sql<{ user_id: bigint }[]>`
    SELECT user_id FROM agent_accounts WHERE user_id = ANY(${list}::bigint[]) ORDER BY user_id FOR UPDATE`.execute();
  const state = readAgentStates(sql, ids, day).execute();
  return Promise.all([locked, state]).then(([held, rows]) => {
    const mine = new Set(held.map((r) => r.user_id));
    return rows.map((r) => (mine.has(r.id) ? r : { ...r, ...NO_ACCOUNT }));
  });
}

/**
 * The agents' state as a payment is decided against it, without a lock: what lockAgents reads
 * after locking, and what a preview (x402's verify) decides on, knowing a batch may change it next.
 */
export function readAgentStates(sql: Tx, ids: bigint[], day: string) {
  const list = sql.array(ids, INT8);
  return sql<AgentState[]>`
    SELECT u.id,
           COALESCE(a.balance_atomic, 0) AS balance,
           COALESCE(a.bonded_atomic, 0) AS bonded,
           u.status,
           (p.type = 'agent') AS is_agent,
           COALESCE(a.settlement_mode, 'ledger') AS settlement_mode,
           COALESCE(a.low_balance_threshold_atomic, 0) AS low_balance_threshold,
           l.per_payment_max_atomic AS per_payment_max,
           l.daily_max_atomic AS daily_max,
           l.allowed_vendor_ids,
           COALESCE(ds.spent_atomic, 0) AS spent_today,
           COALESCE((SELECT sum(pi.amount_atomic) FROM payment_intents pi WHERE pi.agent_id = u.id AND pi.status = 'PENDING'), 0)::numeric(20,0) AS pending
    FROM users u
    LEFT JOIN agent_accounts a ON a.user_id = u.id
    LEFT JOIN profiles p ON p.user_id = u.id
    LEFT JOIN agent_limits l ON l.user_id = u.id
    LEFT JOIN agent_daily_spend ds ON ds.user_id = u.id AND ds.day = ${day}::date
    WHERE u.id = ANY(${list}::bigint[])
    ORDER BY u.id`;
}

export interface Claim {
  /** Idempotency-Key of the request, if any. */
  key?: { userId: bigint; key: string; requestHash: string };
  /** Signed intent of the request, if any: its (agent key, nonce) is spent. */
  nonce?: { agentPubkey: string; nonce: bigint };
}

/**
 * Claims a batch's Idempotency-Keys and spends its intent nonces, in one statement. A nonce is
 * spent only by a request whose key (if it has one) this batch claimed, and by the first request
 * of a key sent twice: a request refused for its key (answered before, or reused with another
 * body) must not burn its intent. Rows are inserted in key order, so two batches waiting on each
 * other's claims cannot deadlock. Returns the claimed keys and the fresh nonces.
 */
export async function claimRequests(sql: Tx, claims: Claim[]): Promise<{ keys: Set<string>; nonces: Set<string> }> {
  const col = (f: (c: Claim) => string | undefined, oid: number) => sql.array(claims.map((c) => f(c) ?? null) as string[], oid);
  const rows = await sql<{ kind: "k" | "n"; a: string; b: string }[]>`
    WITH req AS (
      SELECT * FROM unnest(
        ${col((c) => c.key?.userId.toString(), INT8)}::bigint[],
        ${col((c) => c.key?.key, VARCHAR)}::varchar[],
        ${col((c) => c.key?.requestHash, BPCHAR)}::char(64)[],
        ${col((c) => c.nonce?.agentPubkey, VARCHAR)}::varchar[],
        ${col((c) => c.nonce?.nonce.toString(), NUMERIC)}::numeric[]
      ) WITH ORDINALITY AS r(user_id, key, hash, pubkey, nonce, idx)
    ),
    claimed AS (
      INSERT INTO idempotency_keys (user_id, key, request_hash, status_code, response_body)
      SELECT DISTINCT ON (user_id, key) user_id, key, hash, 0, '{}'::jsonb
      FROM req WHERE key IS NOT NULL
      ORDER BY user_id, key, idx
      ON CONFLICT DO NOTHING
      RETURNING user_id, key
    ),
    first_of_key AS (
      SELECT DISTINCT ON (user_id, key) idx FROM req WHERE key IS NOT NULL ORDER BY user_id, key, idx
    ),
    spent AS (
      INSERT INTO intent_nonces (agent_pubkey, nonce)
      SELECT pubkey, nonce FROM req
      WHERE pubkey IS NOT NULL
        AND (key IS NULL OR (idx IN (SELECT idx FROM first_of_key) AND (user_id, key) IN (SELECT user_id, key FROM claimed)))
      ORDER BY pubkey, nonce
      ON CONFLICT DO NOTHING
      RETURNING agent_pubkey, nonce
    )
    SELECT 'k' AS kind, user_id::text AS a, key AS b FROM claimed
    UNION ALL
    SELECT 'n', agent_pubkey, nonce::text FROM spent`;
  const keys = new Set<string>();
  const nonces = new Set<string>();
  for (const r of rows) (r.kind === "k" ? keys : nonces).add(`${r.a}:${r.b}`);
  return { keys, nonces };
}

export function addFees(sql: Tx, mint: string, amount: bigint) {
  return sql`
    INSERT INTO platform_accounts (token_mint, fees_atomic)
    VALUES (${mint}, ${amount})
    ON CONFLICT (token_mint) DO UPDATE SET fees_atomic = platform_accounts.fees_atomic + EXCLUDED.fees_atomic`;
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

export interface BatchWrites {
  day: string;
  /** Per agent (id order): debited from the ledger balance, and added to today's spend. */
  debits: [bigint, bigint][];
  spend: [bigint, bigint][];
  transactions: TransactionInsert[];
  intents: IntentInsert[];
}

/** Raised (SQLSTATE) by the batch statement when a vendor credit reached fewer rows than it names. */
export const VENDOR_GONE_SQLSTATE = "MP001";

/**
 * A payment batch's writes but the vendors' credit, in ONE statement (the per-statement cost of
 * PostgreSQL and of the round trip is most of a small batch's cost). It takes no lock another
 * batch could hold: the agents' accounts are the batch's already (and daily spend rows are per
 * agent), the rollup trigger's rows are sharded and skipped when fresh.
 */
export function writeBatch(sql: Tx, w: BatchWrites) {
  const ids = (pairs: [bigint, bigint][]) => sql.array(pairs.map(([k]) => k), INT8);
  const amounts = (pairs: [bigint, bigint][]) => sql.array(pairs.map(([, v]) => v), NUMERIC);
  const t = <K extends keyof TransactionInsert>(k: K) => w.transactions.map((r) => r[k]);
  const i = <K extends keyof IntentInsert>(k: K) => w.intents.map((r) => r[k]);
  return sql`
    WITH debited AS (
      UPDATE agent_accounts a
      SET balance_atomic = a.balance_atomic - d.amount
      FROM unnest(${ids(w.debits)}::bigint[], ${amounts(w.debits)}::numeric[]) AS d(id, amount)
      WHERE a.user_id = d.id
      RETURNING a.user_id
    ),
    spent AS (
      INSERT INTO agent_daily_spend (user_id, day, spent_atomic)
      SELECT id, ${w.day}::date, amount
      FROM unnest(${ids(w.spend)}::bigint[], ${amounts(w.spend)}::numeric[]) AS d(id, amount)
      ORDER BY id
      ON CONFLICT (user_id, day) DO UPDATE SET spent_atomic = agent_daily_spend.spent_atomic + EXCLUDED.spent_atomic
      RETURNING user_id
    ),
    paid AS (
      INSERT INTO transactions
        (id, hash, from_agent_id, to_vendor_id, service_id, amount_atomic, fee_atomic, token_mint, latency_ms, reference, source, region, intent_id, created_at)
      SELECT * FROM unnest(
        ${sql.array(t("id"), VARCHAR)}::varchar[],
        ${sql.array(t("hash"), VARCHAR)}::varchar[],
        ${sql.array(t("agent"), INT8)}::bigint[],
        ${sql.array(t("vendor"), INT8)}::bigint[],
        ${sql.array(t("service") as string[], VARCHAR)}::varchar[],
        ${sql.array(t("amount"), NUMERIC)}::numeric[],
        ${sql.array(t("fee"), NUMERIC)}::numeric[],
        ${sql.array(t("mint"), VARCHAR)}::varchar[],
        ${sql.array(t("latency"), INT4)}::int[],
        ${sql.array(t("reference") as string[], VARCHAR)}::varchar[],
        ${sql.array(t("source"), VARCHAR)}::varchar[],
        ${sql.array(t("region") as string[], VARCHAR)}::varchar[],
        ${sql.array(t("intentId") as string[], UUID)}::uuid[],
        ${sql.array(t("createdAt"), TIMESTAMPTZ)}::timestamptz[]
      )
      RETURNING id
    ),
    intents AS (
      INSERT INTO payment_intents
        (id, agent_id, vendor_id, agent_pubkey, gateway_pubkey, token_mint, amount_atomic, nonce, deadline, signature, transaction_id)
      SELECT * FROM unnest(
        ${sql.array(i("id"), UUID)}::uuid[],
        ${sql.array(i("agent"), INT8)}::bigint[],
        ${sql.array(i("vendor"), INT8)}::bigint[],
        ${sql.array(i("agentPubkey"), VARCHAR)}::varchar[],
        ${sql.array(i("gatewayPubkey"), VARCHAR)}::varchar[],
        ${sql.array(i("mint"), VARCHAR)}::varchar[],
        ${sql.array(i("amount"), NUMERIC)}::numeric[],
        ${sql.array(i("nonce"), NUMERIC)}::numeric[],
        ${sql.array(i("deadline"), INT8)}::bigint[],
        ${sql.array(i("signature"), TEXT)}::text[],
        ${sql.array(i("transactionId"), VARCHAR)}::varchar[]
      )
      RETURNING id
    )
    SELECT 1`;
}

/**
 * Credits a batch's vendors, paying down any debt first (both SET expressions read the old debt):
 * one update per vendor per batch, in id order, however many payments it received. Sent last
 * before COMMIT, so hot vendor rows are held only for this update and the commit. A payee without
 * a vendor account (every vendor profile has one, sql/0015) makes it raise: agents must not be
 * debited for a credit that lands nowhere (the engine then retries the batch's payments one by one).
 */
export function creditVendors(sql: Tx, credits: [bigint, bigint][]) {
  const ids = sql.array(credits.map(([k]) => k), INT8);
  return sql`
    WITH locked AS (
      -- An UPDATE ... FROM locks rows in whatever order its join yields; two batches locking two
      -- vendors in opposite orders would deadlock (1 s each, measured). Locked in id order first.
      SELECT user_id FROM vendor_accounts WHERE user_id = ANY(${ids}::bigint[]) ORDER BY user_id FOR UPDATE
    ),
    credited AS (
      UPDATE vendor_accounts v
      SET debt_atomic = GREATEST(v.debt_atomic - c.amount, 0),
          unsettled_balance_atomic = v.unsettled_balance_atomic + GREATEST(c.amount - v.debt_atomic, 0)
      FROM unnest(${ids}::bigint[], ${sql.array(credits.map(([, v]) => String(v)), NUMERIC)}::numeric[]) AS c(id, amount)
      WHERE v.user_id = c.id AND v.user_id IN (SELECT user_id FROM locked)
      RETURNING v.user_id
    )
    SELECT CASE WHEN (SELECT count(*) FROM credited) = ${credits.length}
                THEN 0
                ELSE machpay_raise(${VENDOR_GONE_SQLSTATE}, 'a credited vendor has no vendor account')
           END AS ok`;
}

/** The batch's events, rebuilt from these transactions by the relay (sql/0014). */
export function recordPaymentEvents(sql: Tx, e: { transactionIds: string[]; balances: [string, string, string][]; lowBalance: string[] }) {
  return sql`
    INSERT INTO payment_event_batches (transaction_ids, balances, low_balance)
    VALUES (${sql.array(e.transactionIds, VARCHAR)}::varchar[], ${sql.json(e.balances)}, ${sql.array(e.lowBalance, VARCHAR)}::varchar[])`;
}

export function storeIdempotentResponses(sql: Tx, userIds: bigint[], keys: string[], statuses: number[], bodies: string[]) {
  return sql`
    UPDATE idempotency_keys k
    SET status_code = r.status, response_body = r.body::jsonb
    FROM unnest(${sql.array(userIds, INT8)}::bigint[], ${sql.array(keys, VARCHAR)}::varchar[], ${sql.array(statuses, INT4)}::int[], ${sql.array(bodies, TEXT)}::text[])
      AS r(user_id, key, status, body)
    WHERE k.user_id = r.user_id AND k.key = r.key`;
}

export async function findIdempotentResponse(sql: Tx, userId: bigint, key: string) {
  const [row] = await sql<{ request_hash: string; status_code: number; response_body: unknown }[]>`
    SELECT request_hash, status_code, response_body FROM idempotency_keys WHERE user_id = ${userId} AND key = ${key}`;
  return row;
}

/** The rows of several keys of one user (a keyed gateway batch's intents), by key. */
export async function findIdempotentResponses(sql: Tx, userId: bigint, keys: string[]) {
  const rows = await sql<{ key: string; request_hash: string; status_code: number; response_body: unknown }[]>`
    SELECT key, request_hash, status_code, response_body FROM idempotency_keys
    WHERE user_id = ${userId} AND key = ANY(${sql.array(keys, VARCHAR)}::varchar[])`;
  return new Map(rows.map((r) => [r.key, r]));
}

export async function transactionExists(sql: Tx, id: string): Promise<boolean> {
  const rows = await sql`SELECT 1 FROM transactions WHERE id = ${id}`;
  return rows.length > 0;
}
