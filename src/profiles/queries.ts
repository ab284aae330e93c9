import type { Tx } from "@/db/client";

export interface ProfileRow {
  user_id: bigint;
  type: "agent" | "vendor";
  name: string;
  description: string | null;
  service_type: string | null;
  withdrawal_address: string | null;
  base_price_atomic: bigint | null;
  created_at: Date;
}

const COLUMNS = ["user_id", "type", "name", "description", "service_type", "withdrawal_address", "base_price_atomic", "created_at"];

export async function findProfile(sql: Tx, userId: bigint): Promise<ProfileRow | undefined> {
  const [row] = await sql<ProfileRow[]>`SELECT ${sql(COLUMNS)} FROM profiles WHERE user_id = ${userId}`;
  return row;
}

/** Inserts the user's one profile; undefined when they already have one. */
export async function insertProfile(
  sql: Tx,
  p: Omit<ProfileRow, "created_at">,
): Promise<ProfileRow | undefined> {
  const [row] = await sql<ProfileRow[]>`
    INSERT INTO profiles (user_id, type, name, description, service_type, withdrawal_address, base_price_atomic)
    VALUES (${p.user_id}, ${p.type}, ${p.name}, ${p.description}, ${p.service_type}, ${p.withdrawal_address}, ${p.base_price_atomic})
    ON CONFLICT (user_id) DO NOTHING
    RETURNING ${sql(COLUMNS)}`;
  return row;
}

export interface ReportedPriceRow {
  previous_price_atomic: bigint | null;
  withdrawal_address: string | null;
  changed: boolean;
}

/**
 * Sets a vendor's base price; the row is written only when the price differs (a gateway reports
 * it every minute). Undefined when the user has no vendor profile. Never touches the withdrawal
 * address (see setReportedPrice).
 */
export async function updateVendorPrice(sql: Tx, userId: bigint, priceAtomic: bigint): Promise<ReportedPriceRow | undefined> {
  const [row] = await sql<ReportedPriceRow[]>`
    WITH current AS (
      SELECT user_id, base_price_atomic, withdrawal_address
      FROM profiles
      WHERE user_id = ${userId}
        AND type = 'vendor'
      FOR UPDATE
    ), updated AS (
      UPDATE profiles p
      SET base_price_atomic = ${priceAtomic}
      FROM current
      WHERE p.user_id = current.user_id
        AND current.base_price_atomic IS DISTINCT FROM ${priceAtomic}
      RETURNING p.user_id
    )
    SELECT current.base_price_atomic AS previous_price_atomic,
           current.withdrawal_address,
           EXISTS (SELECT 1 FROM updated) AS changed
    FROM current`;
  return row;
}
