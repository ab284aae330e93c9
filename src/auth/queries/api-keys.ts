import type { Tx } from "@/db/client";
import type { KeyKind, Role } from "@/core/actor";

export interface ActiveKeyRow {
  id: bigint;
  kind: KeyKind;
  permissions: string;
  user_id: bigint;
  role: Role;
  status: "ACTIVE" | "SUSPENDED";
}

/** The per-request lookup: one index probe on the unique hash. Revoked keys never match. */
export async function findActiveKeyByHash(sql: Tx, hash: string): Promise<ActiveKeyRow | undefined> {
  const [row] = await sql<ActiveKeyRow[]>`
    SELECT k.id, k.kind, k.permissions, k.user_id, u.role, u.status
    FROM api_keys k
    JOIN users u ON u.id = k.user_id
    WHERE k.hash = ${hash}
      AND k.revoked_at IS NULL`;
  return row;
}

/** One write for every key used since the last flush (contract.md: no write per request). */
export async function touchKeys(sql: Tx, ids: bigint[], at: Date): Promise<void> {
  if (ids.length === 0) return;
  await sql`
    UPDATE api_keys
    SET last_used_at = GREATEST(COALESCE(last_used_at, ${at}), ${at})
    WHERE id = ANY(${sql.array(ids.map(String))}::bigint[])`;
}
