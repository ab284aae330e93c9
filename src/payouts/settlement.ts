import type { Tx } from "@/db/client";
import type { PayoutRow } from "./queries";

// The settlement worker's claims on payouts (contract.md "Chain"): PENDING -> PROCESSING under
// FOR UPDATE SKIP LOCKED, so two workers never claim one payout; the transaction signature is
// recorded BEFORE sending, so a restarted worker asks the chain instead of paying again.

const COLUMNS = ["id", "vendor_id", "amount_atomic", "token_mint", "destination_wallet", "reference", "tx_hash", "status", "failure_reason", "created_at", "updated_at"];

export async function claimPendingPayouts(sql: Tx, limit: number, now: Date): Promise<PayoutRow[]> {
  return sql<PayoutRow[]>`
    UPDATE payouts
    SET status = 'PROCESSING', attempts = attempts + 1, updated_at = ${now}
    WHERE id IN (
      SELECT id FROM payouts
      WHERE status = 'PENDING'
      ORDER BY created_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    )
    RETURNING ${sql(COLUMNS)}`;
}

export async function recordSend(sql: Tx, ids: string[], txHash: string, lastValidBlockHeight: bigint, now: Date): Promise<void> {
  await sql`
    UPDATE payouts
    SET tx_hash = ${txHash}, last_valid_block_height = ${lastValidBlockHeight.toString()}, updated_at = ${now}
    WHERE id = ANY(${sql.array(ids)}::varchar[]) AND status = 'PROCESSING'`;
}

export interface InFlight {
  id: string;
  tx_hash: string | null;
  last_valid_block_height: bigint | null;
  updated_at: Date;
}

/** Payouts claimed but not finished: after a crash, or waiting for finality. */
export async function inFlightPayouts(sql: Tx): Promise<InFlight[]> {
  return sql<InFlight[]>`
    SELECT id, tx_hash, last_valid_block_height, updated_at
    FROM payouts
    WHERE status = 'PROCESSING'
    ORDER BY updated_at`;
}

/**
 * Back to PENDING for a new attempt, only when the attempt examined (`txHash`, or none recorded
 * before `claimedBefore`) provably never landed. Matching the examined hash means a worker with
 * a stale view can never release a payout another worker has claimed and sent since.
 */
export async function releaseForRetry(sql: Tx, id: string, examined: { txHash: string | null; claimedBefore: Date }, now: Date): Promise<boolean> {
  const result = examined.txHash
    ? await sql`
        UPDATE payouts
        SET status = 'PENDING', tx_hash = NULL, last_valid_block_height = NULL, updated_at = ${now}
        WHERE id = ${id} AND status = 'PROCESSING' AND tx_hash = ${examined.txHash}`
    : await sql`
        UPDATE payouts
        SET status = 'PENDING', updated_at = ${now}
        WHERE id = ${id} AND status = 'PROCESSING' AND tx_hash IS NULL AND updated_at < ${examined.claimedBefore}`;
  return result.count === 1;
}
