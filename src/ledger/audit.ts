import type { Sql } from "@/db/client";

// The conservation identity (contract.md "Ledger"), per mint, on one consistent snapshot:
//   in:   confirmed deposits + intents of on-chain agents (pending or settled)
//   held: agent available + bonded + vendor unsettled - vendor debt + open payouts + confirmed payouts + fees

export interface AuditReport {
  token_mint: string;
  inflows: { deposits_atomic: string; intents_pending_atomic: string; intents_settled_atomic: string; total_atomic: string };
  holdings: {
    agent_available_atomic: string;
    agent_bonded_atomic: string;
    vendor_unsettled_atomic: string;
    vendor_debt_atomic: string;
    payouts_open_atomic: string;
    payouts_confirmed_atomic: string;
    fees_atomic: string;
    total_atomic: string;
  };
  difference_atomic: string;
  balanced: boolean;
}

export async function auditLedger(sql: Sql, mint: string): Promise<{ mints: AuditReport[]; negative_balances: number; ok: boolean }> {
  const result = await sql.begin("ISOLATION LEVEL REPEATABLE READ READ ONLY", async (tx) => {
    const [r] = await tx<Record<string, bigint>[]>`
      SELECT
        (SELECT COALESCE(sum(amount_atomic), 0) FROM deposits WHERE token_mint = ${mint})::numeric(20,0) AS deposits,
        (SELECT COALESCE(sum(amount_atomic), 0) FROM payment_intents WHERE token_mint = ${mint} AND status = 'PENDING')::numeric(20,0) AS intents_pending,
        (SELECT COALESCE(sum(amount_atomic), 0) FROM payment_intents WHERE token_mint = ${mint} AND status = 'SETTLED')::numeric(20,0) AS intents_settled,
        (SELECT COALESCE(sum(balance_atomic), 0) FROM users)::numeric(20,0) AS available,
        (SELECT COALESCE(sum(bonded_atomic), 0) FROM users)::numeric(20,0) AS bonded,
        (SELECT COALESCE(sum(unsettled_balance_atomic), 0) FROM profiles)::numeric(20,0) AS unsettled,
        (SELECT COALESCE(sum(debt_atomic), 0) FROM profiles)::numeric(20,0) AS debt,
        (SELECT COALESCE(sum(amount_atomic), 0) FROM payouts WHERE token_mint = ${mint} AND status IN ('PENDING', 'PROCESSING'))::numeric(20,0) AS payouts_open,
        (SELECT COALESCE(sum(amount_atomic), 0) FROM payouts WHERE token_mint = ${mint} AND status = 'CONFIRMED')::numeric(20,0) AS payouts_confirmed,
        (SELECT COALESCE(sum(fees_atomic), 0) FROM platform_accounts WHERE token_mint = ${mint})::numeric(20,0) AS fees,
        (SELECT count(*) FROM users WHERE balance_atomic < 0 OR bonded_atomic < 0)
          + (SELECT count(*) FROM profiles WHERE unsettled_balance_atomic < 0 OR debt_atomic < 0)
          + (SELECT count(*) FROM platform_accounts WHERE fees_atomic < 0) AS negatives`;
    return r!;
  });
  const r = result as Record<string, bigint>;
  const inflow = r.deposits! + r.intents_pending! + r.intents_settled!;
  const held = r.available! + r.bonded! + r.unsettled! - r.debt! + r.payouts_open! + r.payouts_confirmed! + r.fees!;
  const report: AuditReport = {
    token_mint: mint,
    inflows: {
      deposits_atomic: r.deposits!.toString(),
      intents_pending_atomic: r.intents_pending!.toString(),
      intents_settled_atomic: r.intents_settled!.toString(),
      total_atomic: inflow.toString(),
    },
    holdings: {
      agent_available_atomic: r.available!.toString(),
      agent_bonded_atomic: r.bonded!.toString(),
      vendor_unsettled_atomic: r.unsettled!.toString(),
      vendor_debt_atomic: r.debt!.toString(),
      payouts_open_atomic: r.payouts_open!.toString(),
      payouts_confirmed_atomic: r.payouts_confirmed!.toString(),
      fees_atomic: r.fees!.toString(),
      total_atomic: held.toString(),
    },
    difference_atomic: (inflow - held).toString(),
    balanced: inflow === held,
  };
  const negatives = Number(r.negatives);
  return { mints: [report], negative_balances: negatives, ok: report.balanced && negatives === 0 };
}
