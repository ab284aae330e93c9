import type { Tx } from "@/db/client";

// x402_exact_settlements (sql/0018): exact's claims on a transaction message, the shared guard
// against settling one payment header twice.

export type ClaimStatus = "pending" | "settled";

/** Claims a message for settlement; false when another settlement holds or completed it. */
export async function claimMessage(sql: Tx, c: { hash: string; vendorId: bigint; network: string; now: Date }): Promise<boolean> {
  const rows = await sql`
    INSERT INTO x402_exact_settlements (message_hash, vendor_id, network, created_at, updated_at)
    VALUES (${c.hash}, ${c.vendorId}, ${c.network}, ${c.now}, ${c.now})
    ON CONFLICT (message_hash) DO NOTHING
    RETURNING message_hash`;
  return rows.length === 1;
}

export async function findClaim(sql: Tx, hash: string): Promise<{ status: ClaimStatus; tx_signature: string | null } | undefined> {
  const [row] = await sql<{ status: ClaimStatus; tx_signature: string | null }[]>`
    SELECT status, tx_signature FROM x402_exact_settlements WHERE message_hash = ${hash}`;
  return row;
}

/** The claim's transaction: settled (recorded in the ledger) or still pending confirmation. */
export async function markClaim(sql: Tx, hash: string, status: ClaimStatus, signature: string, now: Date): Promise<void> {
  await sql`
    UPDATE x402_exact_settlements SET status = ${status}, tx_signature = ${signature}, updated_at = ${now}
    WHERE message_hash = ${hash}`;
}

/** Nothing landed for good: the same payment may be settled again. */
export async function releaseClaim(sql: Tx, hash: string): Promise<void> {
  await sql`DELETE FROM x402_exact_settlements WHERE message_hash = ${hash} AND status = 'pending'`;
}
