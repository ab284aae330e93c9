import type { Tx } from "@/db/client";

// The simulator's own SQL (its users are created through auth's upsertSimulatedUser).

/** Where a vendor's gateway runs: the far end of its flows on the globe (sql/0011). */
export async function setVendorRegion(sql: Tx, vendorId: bigint, region: string): Promise<void> {
  await sql`
    INSERT INTO vendor_regions (vendor_id, region)
    VALUES (${vendorId}, ${region})
    ON CONFLICT (vendor_id) DO UPDATE SET region = EXCLUDED.region, updated_at = now()`;
}
