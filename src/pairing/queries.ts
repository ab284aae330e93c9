import type { Tx } from "@/db/client";

export type DeviceKind = "agent" | "vendor";

export interface LinkRequestRow {
  id: bigint;
  user_code: string;
  pubkey: string;
  kind: DeviceKind;
  status: "pending" | "approved";
  approved_by: bigint | null;
  created_at: Date;
  expires_at: Date;
  last_polled_at: Date | null;
}

export interface DeviceKeyRow {
  pubkey: string;
  kind: DeviceKind;
  user_id: bigint;
  created_at: Date;
}

const REQUEST_COLUMNS = ["id", "user_code", "pubkey", "kind", "status", "approved_by", "created_at", "expires_at", "last_polled_at"];

/** Inserts a request; 'proof_used' when this signed proof was used before, 'code_taken' on a (rare) code clash. */
export async function insertLinkRequest(
  sql: Tx,
  r: { userCode: string; deviceCodeHash: string; pubkey: string; kind: DeviceKind; proofTimestamp: number; now: Date; expiresAt: Date },
): Promise<LinkRequestRow | "proof_used" | "code_taken"> {
  try {
    const [row] = await sql<LinkRequestRow[]>`
      INSERT INTO link_requests (user_code, device_code_hash, pubkey, kind, proof_timestamp, created_at, expires_at)
      VALUES (${r.userCode}, ${r.deviceCodeHash}, ${r.pubkey}, ${r.kind}, ${r.proofTimestamp}, ${r.now}, ${r.expiresAt})
      RETURNING ${sql(REQUEST_COLUMNS)}`;
    return row!;
  } catch (err) {
    const e = err as { code?: string; constraint_name?: string };
    if (e.code === "23505" && e.constraint_name === "link_requests_pubkey_proof_timestamp_key") return "proof_used";
    if (e.code === "23505" && e.constraint_name === "link_requests_pending_code") return "code_taken";
    throw err;
  }
}

export async function lockPendingByCode(sql: Tx, userCode: string): Promise<LinkRequestRow | undefined> {
  const [row] = await sql<LinkRequestRow[]>`
    SELECT ${sql(REQUEST_COLUMNS)}
    FROM link_requests
    WHERE user_code = ${userCode}
      AND status = 'pending'
    FOR UPDATE`;
  return row;
}

/** The latest request of a code, pending or approved (for the console's "which key asks" view). */
export async function findLatestByCode(sql: Tx, userCode: string): Promise<LinkRequestRow | undefined> {
  const [row] = await sql<LinkRequestRow[]>`
    SELECT ${sql(REQUEST_COLUMNS)}
    FROM link_requests
    WHERE user_code = ${userCode}
    ORDER BY id DESC
    LIMIT 1`;
  return row;
}

export async function markApproved(sql: Tx, id: bigint, userId: bigint, now: Date): Promise<void> {
  await sql`
    UPDATE link_requests
    SET status = 'approved', approved_by = ${userId}, approved_at = ${now}
    WHERE id = ${id}`;
}

export async function findByDeviceCodeHash(sql: Tx, hash: string): Promise<LinkRequestRow | undefined> {
  const [row] = await sql<LinkRequestRow[]>`
    SELECT ${sql(REQUEST_COLUMNS)} FROM link_requests WHERE device_code_hash = ${hash}`;
  return row;
}

/**
 * Records a poll unless the previous one was less than `minGapMs` ago; atomic, so two pollers
 * racing cannot both slip under the interval. Returns false for "too fast".
 */
export async function recordPoll(sql: Tx, id: bigint, now: Date, minGapMs: number): Promise<boolean> {
  const result = await sql`
    UPDATE link_requests
    SET last_polled_at = ${now}
    WHERE id = ${id}
      AND (last_polled_at IS NULL OR last_polled_at <= ${new Date(now.getTime() - minGapMs)})`;
  return result.count === 1;
}

/** Binds a key to a user; undefined when the key is already bound (to anyone). */
export async function insertDeviceKey(
  sql: Tx,
  k: { pubkey: string; kind: DeviceKind; userId: bigint; linkRequestId: bigint; now: Date },
): Promise<DeviceKeyRow | undefined> {
  const [row] = await sql<DeviceKeyRow[]>`
    INSERT INTO device_keys (pubkey, kind, user_id, link_request_id, created_at)
    VALUES (${k.pubkey}, ${k.kind}, ${k.userId}, ${k.linkRequestId}, ${k.now})
    ON CONFLICT (pubkey) DO NOTHING
    RETURNING pubkey, kind, user_id, created_at`;
  return row;
}

export async function findDeviceKey(sql: Tx, pubkey: string): Promise<DeviceKeyRow | undefined> {
  const [row] = await sql<DeviceKeyRow[]>`
    SELECT pubkey, kind, user_id, created_at FROM device_keys WHERE pubkey = ${pubkey}`;
  return row;
}
