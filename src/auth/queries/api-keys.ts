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

// Key management (src/auth/api-keys.ts). The hash never leaves these functions: no management
// query selects it, so no DTO can leak it by accident.

export interface ApiKeyRow {
  id: bigint;
  kind: KeyKind;
  name: string;
  prefix: string;
  permissions: string;
  last_used_at: Date | null;
  created_at: Date;
  revoked_at: Date | null;
}

const KEY_COLUMNS = ["id", "kind", "name", "prefix", "permissions", "last_used_at", "created_at", "revoked_at"];

/**
 * Serializes key creation per user for the rest of the transaction, so that the active-key cap
 * holds under concurrent requests. An advisory lock rather than a lock on the users row, so that
 * creating a key never waits on, nor holds up, a write of the user's identity (a role, a suspension).
 */
export async function lockUserKeys(sql: Tx, userId: bigint): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${"api_keys:" + userId.toString()}, 0))`;
}

export async function countActiveKeys(sql: Tx, userId: bigint, kind: KeyKind): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    SELECT count(*)::int AS n
    FROM api_keys
    WHERE user_id = ${userId}
      AND kind = ${kind}
      AND revoked_at IS NULL`;
  return row!.n;
}

export async function insertApiKey(
  sql: Tx,
  k: { userId: bigint; kind: KeyKind; name: string; prefix: string; hash: string; permissions: string; now: Date },
): Promise<ApiKeyRow> {
  const [row] = await sql<ApiKeyRow[]>`
    INSERT INTO api_keys (user_id, kind, name, prefix, hash, permissions, created_at)
    VALUES (${k.userId}, ${k.kind}, ${k.name}, ${k.prefix}, ${k.hash}, ${k.permissions}, ${k.now})
    RETURNING ${sql(KEY_COLUMNS)}`;
  return row!;
}

/** Newest first (ids grow with insertion); `beforeId` is the keyset cursor. Revoked keys included. */
export async function listKeysOfUser(
  sql: Tx,
  q: { userId: bigint; kind: KeyKind; limit: number; beforeId: bigint | null },
): Promise<ApiKeyRow[]> {
  return sql<ApiKeyRow[]>`
    SELECT ${sql(KEY_COLUMNS)}
    FROM api_keys
    WHERE user_id = ${q.userId}
      AND kind = ${q.kind}
      ${q.beforeId === null ? sql`` : sql`AND id < ${q.beforeId}`}
    ORDER BY id DESC
    LIMIT ${q.limit}`;
}

/**
 * Revokes the user's key of this kind; a second revocation keeps the first time. Undefined when
 * the id is unknown or belongs to someone else (the caller cannot tell which).
 */
export async function revokeKeyOfUser(
  sql: Tx,
  q: { id: bigint; userId: bigint; kind: KeyKind; now: Date },
): Promise<ApiKeyRow | undefined> {
  const [row] = await sql<ApiKeyRow[]>`
    UPDATE api_keys
    SET revoked_at = COALESCE(revoked_at, ${q.now})
    WHERE id = ${q.id}
      AND user_id = ${q.userId}
      AND kind = ${q.kind}
    RETURNING ${sql(KEY_COLUMNS)}`;
  return row;
}
