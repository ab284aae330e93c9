import type { Tx } from "@/db/client";

// SIWS nonces (auth_nonces): single use, bound to one address, short-lived, killed by failures.

export interface NonceRow {
  nonce: string;
  address: string;
  issued_at: Date;
  expires_at: Date;
  failed_attempts: number;
  consumed_at: Date | null;
}

export async function insertNonce(sql: Tx, row: { nonce: string; address: string; issuedAt: Date; expiresAt: Date }): Promise<void> {
  await sql`
    INSERT INTO auth_nonces (nonce, address, issued_at, expires_at)
    VALUES (${row.nonce}, ${row.address}, ${row.issuedAt}, ${row.expiresAt})`;
}

export async function findNonce(sql: Tx, nonce: string): Promise<NonceRow | undefined> {
  const [row] = await sql<NonceRow[]>`
    SELECT nonce, address, issued_at, expires_at, failed_attempts, consumed_at
    FROM auth_nonces
    WHERE nonce = ${nonce}`;
  return row;
}

/** Counts a failed login against a nonce; returns the new count (undefined when already used). */
export async function recordNonceFailure(sql: Tx, nonce: string): Promise<number | undefined> {
  const [row] = await sql<{ failed_attempts: number }[]>`
    UPDATE auth_nonces
    SET failed_attempts = failed_attempts + 1
    WHERE nonce = ${nonce}
      AND consumed_at IS NULL
    RETURNING failed_attempts`;
  return row?.failed_attempts;
}

/**
 * Consumes the nonce if it is still live. The row lock taken by UPDATE serialises concurrent
 * logins: the second re-checks `consumed_at IS NULL` after the first commits and matches nothing,
 * so one nonce yields at most one session.
 */
export async function consumeNonce(
  sql: Tx,
  input: { nonce: string; address: string; now: Date; maxFailures: number },
): Promise<boolean> {
  const rows = await sql`
    UPDATE auth_nonces
    SET consumed_at = ${input.now}
    WHERE nonce = ${input.nonce}
      AND address = ${input.address}
      AND consumed_at IS NULL
      AND failed_attempts < ${input.maxFailures}
      AND expires_at > ${input.now}
    RETURNING nonce`;
  return rows.length === 1;
}

/**
 * Deletes up to `limit` nonces that expired before `cutoff`. Called on every challenge, so the
 * table stays proportional to recent traffic without a separate job; the bounded batch keeps
 * each call cheap (the expiry index finds the oldest rows first).
 */
export async function pruneExpiredNonces(sql: Tx, cutoff: Date, limit: number): Promise<number> {
  const result = await sql`
    DELETE FROM auth_nonces
    WHERE nonce IN (
      SELECT nonce
      FROM auth_nonces
      WHERE expires_at < ${cutoff}
      ORDER BY expires_at
      LIMIT ${limit}
    )`;
  return result.count;
}
