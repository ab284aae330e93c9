import type { Sql } from "@/db/client";

// What "a refused request changed nothing" is checked against: every table's row count and a hash
// of its rows, read before and after the refusals. Stronger than one balance: a refused write that
// still left a row anywhere (a key, a payout, a daily-spend line) shows, with the table it is in.

/** Tables a refused request may change by design, with why. */
const MAY_CHANGE: Record<string, string> = {
  rate_limit_counters: "every request counts against its client's limit, refused or not",
  schema_migrations: "never written by requests; left out to keep the query small",
};

export type DbState = Map<string, string>;

export async function readState(sql: Sql): Promise<DbState> {
  const tables = await sql<{ name: string }[]>`
    SELECT tablename AS name FROM pg_tables
    WHERE schemaname = 'public'
    ORDER BY tablename`;
  const watched = tables.map((t) => t.name).filter((name) => !(name in MAY_CHANGE));
  // SAFETY: table names come from pg_tables and are quoted as identifiers.
  const parts = watched.map((name) => {
    const ident = `"${name.replace(/"/g, '""')}"`;
    return `SELECT '${name.replace(/'/g, "''")}' AS name, count(*)::text || ':' || md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest FROM ${ident} t`;
  });
  const rows = await sql.unsafe<{ name: string; digest: string }[]>(parts.join("\nUNION ALL\n"));
  return new Map(rows.map((r) => [r.name, r.digest]));
}

/** The tables whose rows differ between two states (with their row counts), empty when none. */
export function changedTables(before: DbState, after: DbState): string[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  return [...names].filter((n) => before.get(n) !== after.get(n)).map((n) => `${n} (rows ${before.get(n)?.split(":")[0]} -> ${after.get(n)?.split(":")[0]})`);
}

/** The table a line of changedTables names. */
export const tableOf = (change: string) => change.split(" ")[0]!;
