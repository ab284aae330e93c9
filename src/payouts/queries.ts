import type { Tx } from "@/db/client";

export interface PayoutRow {
  id: string;
  vendor_id: bigint;
  amount_atomic: bigint;
  token_mint: string;
  destination_wallet: string;
  reference: string;
  tx_hash: string | null;
  status: "PENDING" | "PROCESSING" | "CONFIRMED" | "FAILED";
  failure_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = ["id", "vendor_id", "amount_atomic", "token_mint", "destination_wallet", "reference", "tx_hash", "status", "failure_reason", "created_at", "updated_at"];

/** Inserts a payout; undefined when the vendor already used this reference. */
export async function insertPayout(
  sql: Tx,
  p: { id: string; vendorId: bigint; amount: bigint; mint: string; destination: string; reference: string; now: Date },
): Promise<PayoutRow | undefined> {
  const [row] = await sql<PayoutRow[]>`
    INSERT INTO payouts (id, vendor_id, amount_atomic, token_mint, destination_wallet, reference, created_at, updated_at)
    VALUES (${p.id}, ${p.vendorId}, ${p.amount}, ${p.mint}, ${p.destination}, ${p.reference}, ${p.now}, ${p.now})
    ON CONFLICT (vendor_id, reference) DO NOTHING
    RETURNING ${sql(COLUMNS)}`;
  return row;
}

export async function findPayoutByReference(sql: Tx, vendorId: bigint, reference: string) {
  const [row] = await sql<PayoutRow[]>`SELECT ${sql(COLUMNS)} FROM payouts WHERE vendor_id = ${vendorId} AND reference = ${reference}`;
  return row;
}

export async function lockPayout(sql: Tx, id: string) {
  const [row] = await sql<PayoutRow[]>`SELECT ${sql(COLUMNS)} FROM payouts WHERE id = ${id} FOR UPDATE`;
  return row;
}

export async function setPayoutOutcome(
  sql: Tx,
  id: string,
  o: { status: "CONFIRMED" | "FAILED"; txHash: string | null; reason: string | null; now: Date },
): Promise<PayoutRow> {
  const [row] = await sql<PayoutRow[]>`
    UPDATE payouts
    SET status = ${o.status}, tx_hash = COALESCE(${o.txHash}, tx_hash), failure_reason = ${o.reason}, updated_at = ${o.now}
    WHERE id = ${id}
    RETURNING ${sql(COLUMNS)}`;
  return row!;
}

export async function listVendorPayouts(sql: Tx, vendorId: bigint, limit: number, after?: { createdAt: Date; id: string }) {
  return sql<PayoutRow[]>`
    SELECT ${sql(COLUMNS)}
    FROM payouts
    WHERE vendor_id = ${vendorId}
      ${after ? sql`AND (created_at, id) < (${after.createdAt}, ${after.id})` : sql``}
    ORDER BY created_at DESC, id DESC
    LIMIT ${limit}`;
}

export interface VendorStatsRow {
  revenue: bigint;
  payment_count: bigint;
  /** The vendor's balance: the ledger's, read through its index (service.ts). */
  unsettled: bigint;
  debt: bigint;
  settled: bigint;
  payouts_open: bigint;
  latency_avg: number | null;
  latency_p50: number | null;
  latency_p95: number | null;
}

export type PaymentStatsRow = Omit<VendorStatsRow, "unsettled" | "debt">;

/** Earnings and payouts of a vendor; undefined without a vendor profile. */
export async function vendorPaymentStats(sql: Tx, vendorId: bigint): Promise<PaymentStatsRow | undefined> {
  const [row] = await sql<PaymentStatsRow[]>`
    SELECT
      COALESCE(t.revenue, 0)::numeric(20,0) AS revenue,
      COALESCE(t.n, 0) AS payment_count,
      -- Paid out on chain: confirmed payouts, and x402 exact payments (paid straight to the vendor's wallet).
      (COALESCE((SELECT sum(amount_atomic) FROM payouts WHERE vendor_id = p.user_id AND status = 'CONFIRMED'), 0)
        + COALESCE((SELECT sum(amount_atomic) FROM transactions WHERE to_vendor_id = p.user_id AND source = 'x402_exact' AND status = 'confirmed'), 0))::numeric(20,0) AS settled,
      COALESCE((SELECT sum(amount_atomic) FROM payouts WHERE vendor_id = p.user_id AND status IN ('PENDING', 'PROCESSING')), 0)::numeric(20,0) AS payouts_open,
      t.latency_avg::float8 AS latency_avg,
      t.latency_p50::float8 AS latency_p50,
      t.latency_p95::float8 AS latency_p95
    FROM profiles p
    LEFT JOIN LATERAL (
      SELECT sum(amount_atomic - fee_atomic) AS revenue,
             count(*) AS n,
             avg(latency_ms) AS latency_avg,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) AS latency_p50,
             percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS latency_p95
      FROM transactions
      WHERE to_vendor_id = p.user_id AND status = 'confirmed'
    ) t ON true
    WHERE p.user_id = ${vendorId} AND p.type = 'vendor'`;
  return row;
}

/** Records a recon event id; false when it was processed before (exactly once). */
export async function recordReconEvent(sql: Tx, id: string, type: string, payload: unknown): Promise<boolean> {
  const rows = await sql`
    INSERT INTO recon_events (event_id, type, payload)
    VALUES (${id}, ${type}, ${sql.json(payload as never)})
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id`;
  return rows.length === 1;
}

/** The settlement worker's backlog for /metrics: payouts not yet confirmed or failed, and the oldest one's age. */
export async function settlementBacklog(sql: Tx, cap: number): Promise<{ n: bigint; age: number | null } | undefined> {
  const [row] = await sql<{ n: bigint; age: number | null }[]>`
    SELECT count(*) AS n, extract(epoch FROM now() - min(created_at))::float8 AS age
    FROM (SELECT created_at FROM payouts WHERE status IN ('PENDING', 'PROCESSING') LIMIT ${cap}) open`;
  return row;
}

export interface RevenueBucketRow {
  start: Date;
  revenue: bigint;
  payments: bigint;
}

/**
 * A vendor's earnings (amount less fee of confirmed payments) per UTC `unit` from the one holding
 * `from` to the one holding `now`, empty buckets included (by the transactions_vendor index).
 */
export async function vendorRevenueBuckets(sql: Tx, vendorId: bigint, unit: "hour" | "day", from: Date, now: Date): Promise<RevenueBucketRow[]> {
  const step = `1 ${unit}`;
  return sql<RevenueBucketRow[]>`
    SELECT b.start,
           COALESCE(sum(t.amount_atomic - t.fee_atomic), 0)::numeric(20,0) AS revenue,
           count(t.id) AS payments
    FROM generate_series(date_trunc(${unit}, ${from}::timestamptz, 'UTC'), date_trunc(${unit}, ${now}::timestamptz, 'UTC'), ${step}::interval) AS b(start)
    LEFT JOIN transactions t
      ON t.to_vendor_id = ${vendorId}
     AND t.status = 'confirmed'
     AND t.created_at >= b.start
     AND t.created_at < b.start + ${step}::interval
    GROUP BY b.start
    ORDER BY b.start`;
}
