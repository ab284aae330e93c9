import type { Tx } from "@/db/client";

// deposits: where money enters, once per chain signature (sql/0008).

export async function insertDeposit(sql: Tx, d: { userId: bigint; amount: bigint; mint: string; txSignature: string | null; source: string }) {
  const [row] = await sql<{ id: bigint }[]>`
    INSERT INTO deposits (user_id, amount_atomic, token_mint, tx_signature, source)
    VALUES (${d.userId}, ${d.amount}, ${d.mint}, ${d.txSignature}, ${d.source})
    ON CONFLICT (tx_signature) DO NOTHING
    RETURNING id`;
  return row;
}

/** Who a chain signature was credited to, if it was. */
export async function depositUserOf(sql: Tx, txSignature: string): Promise<bigint | undefined> {
  const [row] = await sql<{ user_id: bigint }[]>`SELECT user_id FROM deposits WHERE tx_signature = ${txSignature}`;
  return row?.user_id;
}
