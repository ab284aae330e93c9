import type { Tx } from "@/db/client";

export interface OtpRow {
  id: bigint;
  email: string;
  code_hash: string;
  attempts: number;
  expires_at: Date;
  consumed_at: Date | null;
  invalidated_at: Date | null;
  created_at: Date;
}

const COLUMNS = ["id", "email", "code_hash", "attempts", "expires_at", "consumed_at", "invalidated_at", "created_at"];

/**
 * Serialises sends for one address until the transaction ends, so that two concurrent sends
 * can neither both pass the hourly count nor both leave a live code.
 */
export async function lockEmailForSend(sql: Tx, email: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${"email_otp:" + email}, 0))`;
}

/** Sends to this address after `since`, and when the oldest of them was made. */
export async function sendsSince(sql: Tx, email: string, since: Date): Promise<{ count: number; oldest: Date | null }> {
  const [row] = await sql<{ count: number; oldest: Date | null }[]>`
    SELECT count(*)::int AS count, min(created_at) AS oldest
    FROM email_otps
    WHERE email = ${email}
      AND created_at > ${since}`;
  return row!;
}

/** Kills every live code of the address: only the newest code works. */
export async function invalidateLiveCodes(sql: Tx, email: string, now: Date): Promise<void> {
  await sql`
    UPDATE email_otps
    SET invalidated_at = ${now}
    WHERE email = ${email}
      AND consumed_at IS NULL
      AND invalidated_at IS NULL`;
}

export async function insertOtp(
  sql: Tx,
  row: { email: string; codeHash: string; expiresAt: Date; ip: string; now: Date },
): Promise<bigint> {
  const [inserted] = await sql<{ id: bigint }[]>`
    INSERT INTO email_otps (email, code_hash, expires_at, requested_ip, created_at)
    VALUES (${row.email}, ${row.codeHash}, ${row.expiresAt}, ${row.ip.slice(0, 64)}, ${row.now})
    RETURNING id`;
  return inserted!.id;
}

/** Marks a code that never reached its owner (the mail failed) as dead. */
export async function invalidateOtp(sql: Tx, id: bigint, now: Date): Promise<void> {
  await sql`
    UPDATE email_otps
    SET invalidated_at = ${now}
    WHERE id = ${id}
      AND invalidated_at IS NULL`;
}

/**
 * The address's newest code, locked: concurrent verifies of one code run one after the other,
 * so each sees the attempts and consumption of the previous one (no parallel guessing past 3).
 */
export async function lockNewestOtp(sql: Tx, email: string): Promise<OtpRow | undefined> {
  const [row] = await sql<OtpRow[]>`
    SELECT ${sql(COLUMNS)}
    FROM email_otps
    WHERE email = ${email}
    ORDER BY created_at DESC, id DESC
    LIMIT 1
    FOR UPDATE`;
  return row;
}

/** Counts a wrong try; the try that reaches `maxAttempts` kills the code. Returns the new count. */
export async function recordWrongAttempt(sql: Tx, id: bigint, now: Date, maxAttempts: number): Promise<number> {
  const [row] = await sql<{ attempts: number }[]>`
    UPDATE email_otps
    SET attempts = attempts + 1,
        invalidated_at = CASE WHEN attempts + 1 >= ${maxAttempts} THEN ${now}::timestamptz ELSE invalidated_at END
    WHERE id = ${id}
    RETURNING attempts`;
  return row!.attempts;
}

/**
 * Consumes a live code. The conditions are re-checked in the UPDATE itself, so a code logs in
 * once only whatever ran before: no row back means it was already used or killed.
 */
export async function consumeOtp(sql: Tx, id: bigint, now: Date, maxAttempts: number): Promise<boolean> {
  const rows = await sql`
    UPDATE email_otps
    SET consumed_at = ${now}
    WHERE id = ${id}
      AND consumed_at IS NULL
      AND invalidated_at IS NULL
      AND attempts < ${maxAttempts}
      AND expires_at > ${now}
    RETURNING id`;
  return rows.length === 1;
}
