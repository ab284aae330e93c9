import type { Tx } from "@/db/client";

// The audit's one read: every sum of the conservation identity, and the negative balances.

export interface AuditSums {
  deposits: bigint;
  intents_pending: bigint;
  intents_settled: bigint;
  available: bigint;
  bonded: bigint;
  unsettled: bigint;
  debt: bigint;
  payouts_open: bigint;
  payouts_confirmed: bigint;
  fees: bigint;
  negatives: bigint;
  /** x402 exact payments: settled on chain between wallets, recorded, outside the identity. */
  onchain_count: bigint;
  onchain_volume: bigint;
}

/** Sums over the whole ledger; the caller gives one snapshot (REPEATABLE READ) so that they agree. */
export async function auditSums(sql: Tx, mint: string): Promise<AuditSums> {
  const [r] = await sql<AuditSums[]>`
    SELECT
      (SELECT COALESCE(sum(amount_atomic), 0) FROM deposits WHERE token_mint = ${mint})::numeric(20,0) AS deposits,
      (SELECT COALESCE(sum(amount_atomic), 0) FROM payment_intents WHERE token_mint = ${mint} AND status = 'PENDING')::numeric(20,0) AS intents_pending,
      (SELECT COALESCE(sum(amount_atomic), 0) FROM payment_intents WHERE token_mint = ${mint} AND status = 'SETTLED')::numeric(20,0) AS intents_settled,
      (SELECT COALESCE(sum(balance_atomic), 0) FROM agent_accounts)::numeric(20,0) AS available,
      (SELECT COALESCE(sum(bonded_atomic), 0) FROM agent_accounts)::numeric(20,0) AS bonded,
      (SELECT COALESCE(sum(unsettled_balance_atomic), 0) FROM vendor_accounts)::numeric(20,0) AS unsettled,
      (SELECT COALESCE(sum(debt_atomic), 0) FROM vendor_accounts)::numeric(20,0) AS debt,
      (SELECT COALESCE(sum(amount_atomic), 0) FROM payouts WHERE token_mint = ${mint} AND status IN ('PENDING', 'PROCESSING'))::numeric(20,0) AS payouts_open,
      (SELECT COALESCE(sum(amount_atomic), 0) FROM payouts WHERE token_mint = ${mint} AND status = 'CONFIRMED')::numeric(20,0) AS payouts_confirmed,
      (SELECT COALESCE(sum(fees_atomic), 0) FROM platform_accounts WHERE token_mint = ${mint})::numeric(20,0) AS fees,
      (SELECT count(*) FROM transactions WHERE source = 'x402_exact' AND token_mint = ${mint}) AS onchain_count,
      (SELECT COALESCE(sum(amount_atomic), 0) FROM transactions WHERE source = 'x402_exact' AND token_mint = ${mint})::numeric(20,0) AS onchain_volume,
      (SELECT count(*) FROM agent_accounts WHERE balance_atomic < 0 OR bonded_atomic < 0)
        + (SELECT count(*) FROM vendor_accounts WHERE unsettled_balance_atomic < 0 OR debt_atomic < 0)
        + (SELECT count(*) FROM platform_accounts WHERE fees_atomic < 0) AS negatives`;
  return r!;
}
