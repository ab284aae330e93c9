import type { Sql } from "@/db/client";
import { withSnapshot } from "@/db/transaction";
import { auditSums } from "./queries/audit";

// The conservation identity (contract.md "Ledger"), per mint, on one consistent snapshot:
//   in:   confirmed deposits + intents of on-chain agents (pending or settled)
//   held: agent available + bonded + vendor unsettled - vendor debt + open payouts + confirmed payouts + fees
// x402 exact payments are reported beside it: recorded as payments, they moved money on chain only.

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
  /**
   * Payments recorded but outside the identity, because no ledger balance moved: x402 exact
   * payments, paid on chain from the payer's wallet to the vendor's (sql/0018).
   */
  settled_on_chain: { x402_exact_count: number; x402_exact_atomic: string };
}

export async function auditLedger(sql: Sql, mint: string): Promise<{ mints: AuditReport[]; negative_balances: number; ok: boolean }> {
  const r = await withSnapshot(sql, (tx) => auditSums(tx, mint));
  const inflow = r.deposits + r.intents_pending + r.intents_settled;
  const held = r.available + r.bonded + r.unsettled - r.debt + r.payouts_open + r.payouts_confirmed + r.fees;
  const report: AuditReport = {
    token_mint: mint,
    inflows: {
      deposits_atomic: r.deposits.toString(),
      intents_pending_atomic: r.intents_pending.toString(),
      intents_settled_atomic: r.intents_settled.toString(),
      total_atomic: inflow.toString(),
    },
    holdings: {
      agent_available_atomic: r.available.toString(),
      agent_bonded_atomic: r.bonded.toString(),
      vendor_unsettled_atomic: r.unsettled.toString(),
      vendor_debt_atomic: r.debt.toString(),
      payouts_open_atomic: r.payouts_open.toString(),
      payouts_confirmed_atomic: r.payouts_confirmed.toString(),
      fees_atomic: r.fees.toString(),
      total_atomic: held.toString(),
    },
    difference_atomic: (inflow - held).toString(),
    balanced: inflow === held,
    settled_on_chain: { x402_exact_count: Number(r.onchain_count), x402_exact_atomic: r.onchain_volume.toString() },
  };
  const negatives = Number(r.negatives);
  return { mints: [report], negative_balances: negatives, ok: report.balanced && negatives === 0 };
}
