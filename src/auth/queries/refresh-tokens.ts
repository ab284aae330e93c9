import type { Tx } from "@/db/client";

export interface RefreshTokenRow {
  id: bigint;
  user_id: bigint;
  family_id: string;
  expires_at: Date;
  rotated_at: Date | null;
  revoked_at: Date | null;
}

export async function insertRefreshToken(
  sql: Tx,
  row: { userId: bigint; familyId: string; tokenHash: string; expiresAt: Date; now: Date },
): Promise<void> {
  await sql`
    INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at, created_at)
    VALUES (${row.userId}, ${row.familyId}, ${row.tokenHash}, ${row.expiresAt}, ${row.now})`;
}

/** Locks the row: two concurrent refreshes with one token are serialised, the second sees it rotated. */
export async function lockRefreshToken(sql: Tx, tokenHash: string): Promise<RefreshTokenRow | undefined> {
  const [row] = await sql<RefreshTokenRow[]>`
    SELECT id, user_id, family_id, expires_at, rotated_at, revoked_at
    FROM refresh_tokens
    WHERE token_hash = ${tokenHash}
    FOR UPDATE`;
  return row;
}

export async function markRotated(sql: Tx, id: bigint, now: Date): Promise<void> {
  await sql`UPDATE refresh_tokens SET rotated_at = ${now} WHERE id = ${id}`;
}

export async function revokeFamily(sql: Tx, familyId: string, now: Date): Promise<number> {
  const result = await sql`
    UPDATE refresh_tokens
    SET revoked_at = ${now}
    WHERE family_id = ${familyId}
      AND revoked_at IS NULL`;
  return result.count;
}

export async function revokeAllOfUser(sql: Tx, userId: bigint, now: Date): Promise<number> {
  const result = await sql`
    UPDATE refresh_tokens
    SET revoked_at = ${now}
    WHERE user_id = ${userId}
      AND revoked_at IS NULL`;
  return result.count;
}
