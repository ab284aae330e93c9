import { loadConfig } from "@/config";
import { createSql, splitDatabaseUrl, withDatabase, type Sql } from "@/db/client";
import { migrate, MigrationError } from "@/db/migrate";
import { MIGRATIONS } from "@/db/migrations";
import { randomBase62 } from "@/core/ids";

// A real database per test file, cloned from a migrated template (CREATE DATABASE ... TEMPLATE
// takes a few tens of milliseconds), dropped when the file is done.

export const TEMPLATE_DB = "machpay_template";
export const TEST_DB_PREFIX = "machpay_test_";

/** The server the tests use: the one of DATABASE_URL (scripts/test exports it). */
export function serverUrl(): string {
  return loadConfig().DATABASE_URL;
}

export function adminSql(): Sql {
  return createSql(splitDatabaseUrl(serverUrl()).adminUrl, { max: 1, applicationName: "machpay-test-admin" });
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Creates (or brings up to date) the migrated template; rebuilt when a migration changed. */
export async function prepareTemplate(): Promise<void> {
  const admin = adminSql();
  try {
    await dropLeftovers(admin);
    for (let attempt = 0; attempt < 2; attempt++) {
      const [row] = await admin`SELECT 1 AS x FROM pg_database WHERE datname = ${TEMPLATE_DB}`;
      if (!row) await admin.unsafe(`CREATE DATABASE ${quoteIdent(TEMPLATE_DB)}`);
      const tpl = createSql(withDatabase(serverUrl(), TEMPLATE_DB), { max: 1, applicationName: "machpay-test-template" });
      try {
        await migrate(tpl, MIGRATIONS);
        return;
      } catch (err) {
        // A migration edited during development: rebuild the template from scratch.
        if (!(err instanceof MigrationError) || attempt > 0) throw err;
      } finally {
        await tpl.end({ timeout: 5 });
      }
      await admin.unsafe(`DROP DATABASE IF EXISTS ${quoteIdent(TEMPLATE_DB)} WITH (FORCE)`);
    }
  } finally {
    await admin.end({ timeout: 5 });
  }
}

// Databases of earlier runs that crashed before their afterAll. In-use ones (another run) are kept.
async function dropLeftovers(admin: Sql) {
  const rows = await admin<{ datname: string }[]>`
    SELECT datname FROM pg_database
    WHERE datname LIKE ${TEST_DB_PREFIX + "%"}
      AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = pg_database.datname)`;
  for (const { datname } of rows) {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${quoteIdent(datname)}`).catch(() => {});
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh database: migrated (from the template) or empty (`{ migrated: false }`). */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const name = `${TEST_DB_PREFIX}${randomBase62(10).toLowerCase()}`;
  const admin = adminSql();
  try {
    const template = options.migrated === false ? "template0" : TEMPLATE_DB;
    await admin.unsafe(`CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(template)}`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  return {
    name,
    url: withDatabase(serverUrl(), name),
    async drop() {
      const a = adminSql();
      try {
        await a.unsafe(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      } finally {
        await a.end({ timeout: 5 });
      }
    },
  };
}
