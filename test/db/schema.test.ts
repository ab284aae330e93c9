import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createSql, type Sql } from "@/db/client";
import { createTestDatabase, type TestDatabase } from "../support/db";

// The database itself refuses what would lose, double or invent money.
let db: TestDatabase;
let sql: Sql;
beforeAll(async () => {
  db = await createTestDatabase();
  sql = createSql(db.url, { max: 2 });
});
afterAll(async () => {
  await sql.end({ timeout: 5 });
  await db.drop();
});

const WALLET = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin";
const isViolation = (code: string) => (e: { code?: string }) => e.code === code;

async function user(role = "observer") {
  const [u] = await sql<{ id: bigint }[]>`INSERT INTO users (role) VALUES (${role}) RETURNING id`;
  return u!.id;
}

describe("schema constraints", () => {
  test("money columns are exact bigints and never negative", async () => {
    const id = await user();
    await sql`INSERT INTO agent_accounts (user_id, balance_atomic) VALUES (${id}, 18446744073709551615)`;
    const [row] = await sql<{ balance_atomic: bigint }[]>`SELECT balance_atomic FROM agent_accounts WHERE user_id = ${id}`;
    expect(row!.balance_atomic).toBe(18446744073709551615n);
    const err = await sql`UPDATE agent_accounts SET balance_atomic = balance_atomic - 18446744073709551616 WHERE user_id = ${id}`.catch((e) => e);
    expect(isViolation("23514")(err)).toBe(true);
    const err2 = await sql`UPDATE agent_accounts SET bonded_atomic = -1 WHERE user_id = ${id}`.catch((e) => e);
    expect(isViolation("23514")(err2)).toBe(true);
    const err3 = await sql`UPDATE agent_accounts SET low_balance_threshold_atomic = -1 WHERE user_id = ${id}`.catch((e) => e);
    expect(isViolation("23514")(err3)).toBe(true);
    expect(isViolation("23514")(await sql`UPDATE agent_accounts SET settlement_mode = 'custodial' WHERE user_id = ${id}`.catch((e) => e))).toBe(true);

    const v = await user("operator");
    await sql`INSERT INTO vendor_accounts (user_id) VALUES (${v})`;
    expect(isViolation("23514")(await sql`UPDATE vendor_accounts SET unsettled_balance_atomic = -1 WHERE user_id = ${v}`.catch((e) => e))).toBe(true);
    expect(isViolation("23514")(await sql`UPDATE vendor_accounts SET debt_atomic = -1 WHERE user_id = ${v}`.catch((e) => e))).toBe(true);
  });

  test("identity tables hold no money: balances live in the ledger's accounts", async () => {
    const columns = await sql<{ table_name: string; column_name: string }[]>`
      SELECT table_name, column_name FROM information_schema.columns
      WHERE table_schema = 'public' AND table_name IN ('users', 'profiles') AND (column_name LIKE '%_atomic' OR column_name = 'settlement_mode')`;
    // base_price_atomic is a vendor's list price, not money held.
    expect(columns.map((c) => `${c.table_name}.${c.column_name}`)).toEqual(["profiles.base_price_atomic"]);
  });

  test("a profile opens its ledger account: agents keep one a deposit opened, every vendor gets one", async () => {
    const agent = await user("architect");
    const depositor = await user();
    const vendor = await user("operator");
    await sql`INSERT INTO agent_accounts (user_id, balance_atomic) VALUES (${depositor}, 700)`;
    await sql`INSERT INTO profiles (user_id, type, name) VALUES (${agent}, 'agent', 'a'), (${depositor}, 'agent', 'd')`;
    await sql`INSERT INTO profiles (user_id, type, name, service_type, withdrawal_address, base_price_atomic) VALUES (${vendor}, 'vendor', 'v', 'llm', ${WALLET}, 1)`;
    const agents = await sql<{ user_id: bigint; balance_atomic: bigint; settlement_mode: string; low_balance_threshold_atomic: bigint }[]>`
      SELECT user_id, balance_atomic, settlement_mode, low_balance_threshold_atomic FROM agent_accounts WHERE user_id IN (${agent}, ${depositor}, ${vendor}) ORDER BY user_id`;
    expect([...agents]).toEqual([
      { user_id: agent, balance_atomic: 0n, settlement_mode: "ledger", low_balance_threshold_atomic: 5_000_000n },
      { user_id: depositor, balance_atomic: 700n, settlement_mode: "ledger", low_balance_threshold_atomic: 5_000_000n },
    ]);
    const vendors = await sql<{ user_id: bigint }[]>`SELECT user_id FROM vendor_accounts WHERE user_id IN (${agent}, ${depositor}, ${vendor})`;
    expect(vendors.map((r) => r.user_id)).toEqual([vendor]);
  });

  test("unknown roles and statuses are refused", async () => {
    expect(isViolation("23514")(await sql`INSERT INTO users (role) VALUES ('admin')`.catch((e) => e))).toBe(true);
    expect(isViolation("23514")(await sql`INSERT INTO users (status) VALUES ('GONE')`.catch((e) => e))).toBe(true);
  });

  test("emails are unique case-insensitively because they are stored lower-case", async () => {
    await sql`INSERT INTO users (email) VALUES ('a@example.com')`;
    expect(isViolation("23514")(await sql`INSERT INTO users (email) VALUES ('A@example.com')`.catch((e) => e))).toBe(true);
    expect(isViolation("23505")(await sql`INSERT INTO users (email) VALUES ('a@example.com')`.catch((e) => e))).toBe(true);
  });

  test("a transaction cannot carry a fee above its amount, a zero amount, or pay itself", async () => {
    const a = await user("architect");
    const v = await user("operator");
    const insert = (amount: bigint, fee: bigint, to = v) => sql`
      INSERT INTO transactions (id, hash, from_agent_id, to_vendor_id, amount_atomic, fee_atomic, token_mint)
      VALUES (${"tx_" + crypto.randomUUID()}, ${crypto.randomUUID()}, ${a}, ${to}, ${amount}, ${fee}, ${WALLET})`;
    await insert(100n, 1n);
    expect(isViolation("23514")(await insert(100n, 101n).catch((e) => e))).toBe(true);
    expect(isViolation("23514")(await insert(0n, 0n).catch((e) => e))).toBe(true);
    expect(isViolation("23514")(await insert(5n, 0n, a).catch((e) => e))).toBe(true);
  });

  test("a payout reference is unique per vendor, and a confirmed payout needs its tx hash", async () => {
    const v = await user("operator");
    const other = await user("operator");
    const payout = (vendor: bigint, ref: string, status = "PENDING") => sql`
      INSERT INTO payouts (id, vendor_id, amount_atomic, token_mint, destination_wallet, reference, status)
      VALUES (${"po_" + crypto.randomUUID()}, ${vendor}, 5, ${WALLET}, ${WALLET}, ${ref}, ${status})`;
    await payout(v, "ref-1");
    await payout(other, "ref-1");
    expect(isViolation("23505")(await payout(v, "ref-1").catch((e) => e))).toBe(true);
    expect(isViolation("23514")(await payout(v, "ref-2", "CONFIRMED").catch((e) => e))).toBe(true);
  });

  test("an intent nonce is single use per agent key, across the whole u64 range", async () => {
    // A bigint parameter travels as int8; u64 values above 2^63 must travel as digit strings.
    const intent = (nonce: bigint) => sql`
      INSERT INTO payment_intents (agent_pubkey, gateway_pubkey, token_mint, amount_atomic, nonce, deadline, signature)
      VALUES (${WALLET}, ${WALLET}, ${WALLET}, 10, ${nonce.toString()}, 0, 'sig')`;
    await intent(18446744073709551615n);
    expect(isViolation("23505")(await intent(18446744073709551615n).catch((e) => e))).toBe(true);
  });

  test("embeddings are 1536-dimensional vectors", async () => {
    const v = await user("operator");
    await sql`INSERT INTO services (id, vendor_id, name, gateway_url, price_atomic, token_mint, service_type)
              VALUES ('svc-a', ${v}, 'A', 'https://a.example', 1, ${WALLET}, 'llm')`;
    const vec = `[${Array.from({ length: 1536 }, (_, i) => (i === 0 ? 1 : 0)).join(",")}]`;
    await sql`INSERT INTO service_embeddings (service_id, embedding, content_hash) VALUES ('svc-a', ${vec}, ${"0".repeat(64)})`;
    const bad = await sql`UPDATE service_embeddings SET embedding = '[1,2,3]' WHERE service_id = 'svc-a'`.catch((e) => e);
    expect(bad.code).toBe("22000");
  });
});
