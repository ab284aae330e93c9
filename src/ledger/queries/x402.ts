import type { Tx } from "@/db/client";
import type { TransactionRecord } from "../engine/types";

// The ledger's SQL for x402: whether an intent's nonce is spent (batch-settlement's verify), and
// the record of an on-chain (exact) payment with its events' row (sql/0014, sql/0018).

export async function nonceSpent(sql: Tx, agentPubkey: string, nonce: bigint): Promise<boolean> {
  const rows = await sql`SELECT 1 FROM intent_nonces WHERE agent_pubkey = ${agentPubkey} AND nonce = ${nonce.toString()}::numeric`;
  return rows.length > 0;
}

export interface OnchainPaymentInsert {
  id: string;
  hash: string;
  vendorId: bigint;
  amount: bigint;
  mint: string;
  latency: number;
  payer: string;
  signature: string;
  now: Date;
}

/**
 * The payment's transactions row, settled as it is recorded; nothing when its signature was
 * recorded before (then undefined). No account is touched: the money moved on chain.
 */
export async function insertOnchainPayment(sql: Tx, p: OnchainPaymentInsert): Promise<TransactionRecord | undefined> {
  const [row] = await sql<TransactionRecord[]>`
    INSERT INTO transactions
      (id, hash, from_agent_id, to_vendor_id, service_id, amount_atomic, fee_atomic, token_mint, status, latency_ms,
       reference, source, region, intent_id, settled_at, created_at, payer_address, tx_signature)
    VALUES
      (${p.id}, ${p.hash}, NULL, ${p.vendorId}, NULL, ${p.amount.toString()}::numeric, 0, ${p.mint}, 'confirmed', ${p.latency},
       NULL, 'x402_exact', NULL, NULL, ${p.now}, ${p.now}, ${p.payer}, ${p.signature})
    ON CONFLICT (tx_signature) DO NOTHING
    RETURNING id, hash, from_agent_id, to_vendor_id, service_id, amount_atomic, fee_atomic, token_mint, status,
              latency_ms, reference, source, region, intent_id, settled_at, created_at, payer_address, tx_signature`;
  return row;
}

export async function findOnchainPayment(sql: Tx, signature: string): Promise<TransactionRecord | undefined> {
  const [row] = await sql<TransactionRecord[]>`
    SELECT id, hash, from_agent_id, to_vendor_id, service_id, amount_atomic, fee_atomic, token_mint, status,
           latency_ms, reference, source, region, intent_id, settled_at, created_at, payer_address, tx_signature
    FROM transactions WHERE tx_signature = ${signature}`;
  return row;
}

/** Its events' row (ticker, payment.received): no agent paid, so its balances are zeros nobody reads. */
export async function recordOnchainPaymentEvents(sql: Tx, transactionId: string): Promise<void> {
  await sql`
    INSERT INTO payment_event_batches (transaction_ids, balances, low_balance)
    VALUES (ARRAY[${transactionId}]::varchar[], ${sql.json([["0", "0", "0"]])}, '{}')`;
}
