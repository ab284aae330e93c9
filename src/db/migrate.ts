import { createHash } from "node:crypto";
import type { Sql } from "./client";
import type { Migration } from "./migrations";

// Any constant works; it only has to be the same for every instance of this service.
const MIGRATION_LOCK_KEY = 7_337_001;

export class MigrationError extends Error {
  override name = "MigrationError";
}

export const checksum = (text: string) => createHash("sha256").update(text).digest("hex");

export interface MigrationResult {
  applied: string[];
}

/**
 * Applies pending migrations in order, each in its own transaction with its ledger row inserted
 * first. A transaction-scoped advisory lock serialises concurrent starters: the second instance
 * waits, then finds the work done. Refuses to run when an applied file changed or when the
 * database knows a migration this build does not (it is newer than the code).
 */
export async function migrate(sql: Sql, migrations: readonly Migration[]): Promise<MigrationResult> {
  assertOrdered(migrations);
  const applied: string[] = [];
  for (;;) {
    const next = await sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`;
      await tx`
        CREATE TABLE IF NOT EXISTS schema_migrations (
          name       TEXT PRIMARY KEY,
          checksum   CHAR(64) NOT NULL,
          applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )`;
      const rows = await tx<{ name: string; checksum: string }[]>`
        SELECT name, checksum FROM schema_migrations ORDER BY name`;
      const pending = findPending(migrations, rows);
      if (!pending) return null;
      await tx`INSERT INTO schema_migrations (name, checksum) VALUES (${pending.name}, ${checksum(pending.sql)})`;
      await tx.unsafe(pending.sql);
      return pending.name;
    });
    if (next === null) return { applied };
    applied.push(next);
  }
}

function findPending(
  migrations: readonly Migration[],
  rows: { name: string; checksum: string }[],
): Migration | undefined {
  const known = new Map(migrations.map((m) => [m.name, m]));
  for (const row of rows) {
    const m = known.get(row.name);
    if (!m) throw new MigrationError(`database has migration ${row.name}, which this build does not know; refusing to run`);
    if (checksum(m.sql) !== row.checksum) {
      throw new MigrationError(`migration ${row.name} changed after it was applied (checksum mismatch); add a new migration instead`);
    }
  }
  const done = new Set(rows.map((r) => r.name));
  return migrations.find((m) => !done.has(m.name));
}

function assertOrdered(migrations: readonly Migration[]) {
  for (let i = 1; i < migrations.length; i++) {
    if (migrations[i - 1]!.name >= migrations[i]!.name) throw new MigrationError(`migrations out of order at ${migrations[i]!.name}`);
  }
}

/** Names of applied migrations, or null when the ledger table does not exist yet. */
export async function appliedMigrations(sql: Sql): Promise<string[] | null> {
  const [exists] = await sql<{ t: string | null }[]>`SELECT to_regclass('schema_migrations')::text AS t`;
  if (!exists?.t) return null;
  const rows = await sql<{ name: string }[]>`SELECT name FROM schema_migrations ORDER BY name`;
  return rows.map((r) => r.name);
}
