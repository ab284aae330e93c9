import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { createSql, type Sql } from "@/db/client";
import { appliedMigrations, migrate, MigrationError } from "@/db/migrate";
import { MIGRATIONS } from "@/db/migrations";
import { createTestDatabase, type TestDatabase } from "../support/db";

const dbs: TestDatabase[] = [];
const pools: Sql[] = [];

async function emptyDb() {
  const db = await createTestDatabase({ migrated: false });
  dbs.push(db);
  return db;
}
function pool(url: string) {
  const sql = createSql(url, { max: 2, applicationName: "migrate-test" });
  pools.push(sql);
  return sql;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.end({ timeout: 5 })));
});
afterAll(async () => {
  await Promise.all(dbs.map((d) => d.drop()));
});

const m = (name: string, sql: string) => ({ name, sql });

describe("migration runner", () => {
  test("applies every migration in order and records each with its checksum", async () => {
    const sql = pool((await emptyDb()).url);
    const { applied } = await migrate(sql, MIGRATIONS);
    expect(applied).toEqual(MIGRATIONS.map((x) => x.name));
    expect(await appliedMigrations(sql)).toEqual(MIGRATIONS.map((x) => x.name));
    const [row] = await sql`SELECT to_regclass('transactions')::text AS t`;
    expect(row?.t).toBe("transactions");
    // A second run finds nothing to do.
    expect((await migrate(sql, MIGRATIONS)).applied).toEqual([]);
  });

  test("applies only the new ones, in order, later files seeing earlier ones", async () => {
    const sql = pool((await emptyDb()).url);
    const first = [m("0001_a.sql", "CREATE TABLE a (x int)")];
    await migrate(sql, first);
    const more = [...first, m("0002_b.sql", "INSERT INTO a VALUES (1)"), m("0003_c.sql", "INSERT INTO a SELECT x + 1 FROM a")];
    expect((await migrate(sql, more)).applied).toEqual(["0002_b.sql", "0003_c.sql"]);
    const rows = await sql`SELECT x FROM a ORDER BY x`;
    expect(rows.map((r) => r.x)).toEqual([1, 2]);
  });

  test("refuses to run when an applied file changed", async () => {
    const sql = pool((await emptyDb()).url);
    await migrate(sql, [m("0001_a.sql", "CREATE TABLE a (x int)")]);
    const changed = [m("0001_a.sql", "CREATE TABLE a (x bigint)"), m("0002_b.sql", "CREATE TABLE b (y int)")];
    const err = await migrate(sql, changed).catch((e) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect(String(err.message)).toContain("0001_a.sql changed");
    const [row] = await sql`SELECT to_regclass('b')::text AS t`;
    expect(row?.t).toBeNull();
  });

  test("refuses a database that has a migration this build does not know", async () => {
    const sql = pool((await emptyDb()).url);
    await migrate(sql, [m("0001_a.sql", "SELECT 1"), m("0002_b.sql", "SELECT 2")]);
    const err = await migrate(sql, [m("0001_a.sql", "SELECT 1")]).catch((e) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect(String(err.message)).toContain("0002_b.sql");
  });

  test("a failing migration leaves no trace: neither its changes nor its ledger row", async () => {
    const sql = pool((await emptyDb()).url);
    const bad = [m("0001_a.sql", "CREATE TABLE a (x int)"), m("0002_bad.sql", "CREATE TABLE b (y int); SELECT * FROM nope")];
    await expect(migrate(sql, bad)).rejects.toThrow();
    expect(await appliedMigrations(sql)).toEqual(["0001_a.sql"]);
    const [row] = await sql`SELECT to_regclass('b')::text AS t`;
    expect(row?.t).toBeNull();
  });

  test("two instances starting at once apply each migration exactly once", async () => {
    const url = (await emptyDb()).url;
    const results = await Promise.all([1, 2, 3].map(() => migrate(pool(url), MIGRATIONS)));
    const all = results.flatMap((r) => r.applied).sort();
    expect(all).toEqual(MIGRATIONS.map((x) => x.name).sort());
    const sql = pool(url);
    const [count] = await sql`SELECT count(*)::int AS n FROM schema_migrations`;
    expect(count?.n).toBe(MIGRATIONS.length);
  });

  test("refuses migrations listed out of order", async () => {
    const sql = pool((await emptyDb()).url);
    await expect(migrate(sql, [m("0002_b.sql", "SELECT 1"), m("0001_a.sql", "SELECT 1")])).rejects.toBeInstanceOf(MigrationError);
  });
});
