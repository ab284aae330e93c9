import type { Tx } from "@/db/client";

// platform_accounts: the fee account per mint. Payment batches add to it (engine/queries.ts).

/** A reversed payment's fee, given back. */
export async function takeBackFee(sql: Tx, mint: string, fee: bigint): Promise<void> {
  await sql`UPDATE platform_accounts SET fees_atomic = fees_atomic - ${fee} WHERE token_mint = ${mint}`;
}
