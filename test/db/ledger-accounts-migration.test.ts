import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { createSql, type Sql } from "@/db/client";
import { migrate } from "@/db/migrate";
import { MIGRATIONS } from "@/db/migrations";
import { createTestDatabase, type TestDatabase } from "../support/db";

// sql/0015 moves money out of users and profiles into the ledger's accounts: on a database that
// holds money, every atomic unit and every setting arrives, or the migration applies nothing.

const BEFORE = MIGRATIONS.filter((m) => m.name < "0015");
// Up to 0015 itself: later migrations are not what this file tests.
const THROUGH = MIGRATIONS.filter((m) => m.name < "0016");
const WALLET = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin";

const dbs: TestDatabase[] = [];
const pools: Sql[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.end({ timeout: 5 })));
});
afterAll(async () => {
  await Promise.all(dbs.map((d) => d.drop()));
});

/** A database migrated up to 0014, as a deployment of the previous build left it. */
async function previousSchema() {
  const db = await createTestDatabase({ migrated: false });
  dbs.push(db);
  const sql = createSql(db.url, { max: 2, applicationName: "migration-0015-test" });
  pools.push(sql);
  await migrate(sql, BEFORE);
  return sql;
}

async function user(sql: Sql, money: { balance?: bigint; bonded?: bigint } = {}) {
  const [u] = await sql<{ id: bigint }[]>`
    INSERT INTO users (balance_atomic, bonded_atomic) VALUES (${money.balance ?? 0n}, ${money.bonded ?? 0n}) RETURNING id`;
  return u!.id;
}

describe("sql/0015_ledger_accounts.sql on a database with money", () => {
  test("agents, depositors and vendors keep every unit and setting; users with nothing get no account", async () => {
    const sql = await previousSchema();
    const agent = await user(sql, { balance: 40_000_000n, bonded: 10_000_000n });
    await sql`INSERT INTO profiles (user_id, type, name, settlement_mode, low_balance_threshold_atomic) VALUES (${agent}, 'agent', 'a', 'onchain', 1000)`;
    const idleAgent = await user(sql);
    await sql`INSERT INTO profiles (user_id, type, name) VALUES (${idleAgent}, 'agent', 'idle')`;
    const depositor = await user(sql, { balance: 7n });
    const nobody = await user(sql);
    const vendor = await user(sql, { balance: 3n });
    await sql`
      INSERT INTO profiles (user_id, type, name, service_type, withdrawal_address, base_price_atomic, unsettled_balance_atomic, debt_atomic)
      VALUES (${vendor}, 'vendor', 'v', 'llm', ${WALLET}, 1, 990, 25)`;

    expect((await migrate(sql, THROUGH)).applied).toEqual(["0015_ledger_accounts.sql"]);

    const agents = await sql`
      SELECT user_id, balance_atomic, bonded_atomic, settlement_mode, low_balance_threshold_atomic FROM agent_accounts ORDER BY user_id`;
    expect([...agents]).toEqual([
      { user_id: agent, balance_atomic: 40_000_000n, bonded_atomic: 10_000_000n, settlement_mode: "onchain", low_balance_threshold_atomic: 1000n },
      { user_id: idleAgent, balance_atomic: 0n, bonded_atomic: 0n, settlement_mode: "ledger", low_balance_threshold_atomic: 5_000_000n },
      { user_id: depositor, balance_atomic: 7n, bonded_atomic: 0n, settlement_mode: "ledger", low_balance_threshold_atomic: 5_000_000n },
      // A vendor's own deposits are a payer's money like any other user's.
      { user_id: vendor, balance_atomic: 3n, bonded_atomic: 0n, settlement_mode: "ledger", low_balance_threshold_atomic: 5_000_000n },
    ]);
    expect(agents.some((a) => a.user_id === nobody)).toBe(false);
    expect([...(await sql`SELECT user_id, unsettled_balance_atomic, debt_atomic FROM vendor_accounts`)]).toEqual([
      { user_id: vendor, unsettled_balance_atomic: 990n, debt_atomic: 25n },
    ]);
  });

  test("money it has nowhere to put (vendor earnings on an agent profile) stops it: nothing is applied", async () => {
    const sql = await previousSchema();
    const odd = await user(sql);
    await sql`INSERT INTO profiles (user_id, type, name, unsettled_balance_atomic) VALUES (${odd}, 'agent', 'odd', 5)`;
    const err = await migrate(sql, THROUGH).catch((e) => e);
    expect(String(err.message)).toContain("do not add up");
    expect((await sql`SELECT to_regclass('agent_accounts')::text AS t`)[0]!.t).toBeNull();
    const [row] = await sql`SELECT unsettled_balance_atomic FROM profiles WHERE user_id = ${odd}`;
    expect(row!.unsettled_balance_atomic).toBe(5n);
  });
});
