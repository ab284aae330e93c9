import type { Tx } from "@/db/client";
import type { Role } from "@/core/actor";

export interface UserRow {
  id: bigint;
  email: string | null;
  wallet_address: string | null;
  google_sub: string | null;
  name: string | null;
  role: Role;
  status: "ACTIVE" | "SUSPENDED";
  created_at: Date;
}

const COLUMNS = ["id", "email", "wallet_address", "google_sub", "name", "role", "status", "created_at"];

export async function findUserById(sql: Tx, id: bigint): Promise<UserRow | undefined> {
  const [row] = await sql<UserRow[]>`SELECT ${sql(COLUMNS)} FROM users WHERE id = ${id}`;
  return row;
}

/** Returns the user of this wallet, creating it (as an observer) on first sight. */
export async function upsertUserByWallet(sql: Tx, wallet: string): Promise<{ user: UserRow; created: boolean }> {
  const inserted = await sql<UserRow[]>`
    INSERT INTO users (wallet_address)
    VALUES (${wallet})
    ON CONFLICT (wallet_address) DO NOTHING
    RETURNING ${sql(COLUMNS)}`;
  if (inserted[0]) return { user: inserted[0], created: true };
  const [row] = await sql<UserRow[]>`SELECT ${sql(COLUMNS)} FROM users WHERE wallet_address = ${wallet}`;
  return { user: row!, created: false };
}

/** Returns the user of this (lower-cased) email, creating it on first sight. */
export async function upsertUserByEmail(sql: Tx, email: string, name?: string): Promise<{ user: UserRow; created: boolean }> {
  const inserted = await sql<UserRow[]>`
    INSERT INTO users (email, name)
    VALUES (${email}, ${name ?? null})
    ON CONFLICT (email) DO NOTHING
    RETURNING ${sql(COLUMNS)}`;
  if (inserted[0]) return { user: inserted[0], created: true };
  const [row] = await sql<UserRow[]>`SELECT ${sql(COLUMNS)} FROM users WHERE email = ${email}`;
  return { user: row!, created: false };
}

export async function findUserByGoogleSub(sql: Tx, sub: string): Promise<UserRow | undefined> {
  const [row] = await sql<UserRow[]>`SELECT ${sql(COLUMNS)} FROM users WHERE google_sub = ${sub}`;
  return row;
}

/** Links a Google subject to a user found by email; undefined when another subject holds it. */
export async function setGoogleSub(sql: Tx, userId: bigint, sub: string, name?: string): Promise<UserRow | undefined> {
  const [row] = await sql<UserRow[]>`
    UPDATE users
    SET google_sub = ${sub}, name = COALESCE(name, ${name ?? null}), updated_at = now()
    WHERE id = ${userId}
      AND (google_sub IS NULL OR google_sub = ${sub})
    RETURNING ${sql(COLUMNS)}`;
  return row;
}

export async function setUserRole(sql: Tx, userId: bigint, role: Role): Promise<void> {
  await sql`UPDATE users SET role = ${role}, updated_at = now() WHERE id = ${userId}`;
}

/**
 * A simulated actor (lld-backend.md §6): a real user marked is_simulated, found again by its
 * e-mail so that restarts, and several simulators, reuse it.
 */
export async function upsertSimulatedUser(sql: Tx, email: string, name: string): Promise<bigint> {
  const [row] = await sql<{ id: bigint }[]>`
    INSERT INTO users (email, name, is_simulated)
    VALUES (${email}, ${name}, true)
    ON CONFLICT (email) DO UPDATE SET is_simulated = true
    RETURNING id`;
  return row!.id;
}

/**
 * Suspends a user (lld-backend.md §4.4: an agent whose settlement failed); its next payment gets
 * 403 agent_suspended. The ledger calls it holding the agent's account lock, the lock its payment
 * batches hold while they read the status.
 */
export async function suspendUser(sql: Tx, userId: bigint): Promise<void> {
  await sql`UPDATE users SET status = 'SUSPENDED', updated_at = now() WHERE id = ${userId}`;
}
