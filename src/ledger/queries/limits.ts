import type { Tx } from "@/db/client";

// agent_limits: spending limits (null = no limit), enforced on every payment (sql/0008).

export interface LimitsRow {
  per_payment_max_atomic: bigint | null;
  daily_max_atomic: bigint | null;
  allowed_vendor_ids: bigint[] | null;
}

export async function findLimits(sql: Tx, userId: bigint): Promise<LimitsRow | undefined> {
  const [row] = await sql<LimitsRow[]>`
    SELECT per_payment_max_atomic, daily_max_atomic, allowed_vendor_ids FROM agent_limits WHERE user_id = ${userId}`;
  return row;
}

export async function upsertLimits(sql: Tx, userId: bigint, l: LimitsRow): Promise<LimitsRow> {
  const vendors = l.allowed_vendor_ids === null ? null : sql.array(l.allowed_vendor_ids.map(String));
  const [row] = await sql<LimitsRow[]>`
    INSERT INTO agent_limits (user_id, per_payment_max_atomic, daily_max_atomic, allowed_vendor_ids)
    VALUES (${userId}, ${l.per_payment_max_atomic}, ${l.daily_max_atomic}, ${vendors}::bigint[])
    ON CONFLICT (user_id) DO UPDATE SET
      per_payment_max_atomic = EXCLUDED.per_payment_max_atomic,
      daily_max_atomic = EXCLUDED.daily_max_atomic,
      allowed_vendor_ids = EXCLUDED.allowed_vendor_ids,
      updated_at = now()
    RETURNING per_payment_max_atomic, daily_max_atomic, allowed_vendor_ids`;
  return row!;
}
