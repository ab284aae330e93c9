import type { Tx } from "@/db/client";

// The simulator's SQL. Simulated actors are real users, found again by their e-mail address so
// that restarts (and several simulators) reuse them; the auth module has no verb that creates a
// user marked is_simulated, hence this insert here.

export async function upsertSimulatedUser(sql: Tx, email: string, name: string): Promise<bigint> {
  const [row] = await sql<{ id: bigint }[]>`
    INSERT INTO users (email, name, is_simulated)
    VALUES (${email}, ${name}, true)
    ON CONFLICT (email) DO UPDATE SET is_simulated = true
    RETURNING id`;
  return row!.id;
}

/** Where a vendor's gateway runs: the far end of its flows on the globe (sql/0011). */
export async function setVendorRegion(sql: Tx, vendorId: bigint, region: string): Promise<void> {
  await sql`
    INSERT INTO vendor_regions (vendor_id, region)
    VALUES (${vendorId}, ${region})
    ON CONFLICT (vendor_id) DO UPDATE SET region = EXCLUDED.region, updated_at = now()`;
}
