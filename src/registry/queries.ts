import type { Tx } from "@/db/client";

export interface ServiceTarget {
  id: string;
  vendor_id: bigint;
  price_atomic: bigint;
  token_mint: string;
  is_active: boolean;
}

export async function findServiceTarget(sql: Tx, id: string): Promise<ServiceTarget | undefined> {
  const [row] = await sql<ServiceTarget[]>`
    SELECT id, vendor_id, price_atomic, token_mint, is_active FROM services WHERE id = ${id}`;
  return row;
}
