import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createSql, type Sql } from "@/db/client";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, serverUrl, type TestDatabase } from "../support/db";
import { createUser, type TestUser } from "../support/fixtures";
import { agentRow, expectBalanced, fund, post, transactionCount, unsettledOf, waitForLockWaiters } from "../support/ledger";
import { startPgProxy, type PgProxy } from "../support/pg-proxy";

// The database connection of a payment batch dies mid-batch (PostgreSQL restarted, a proxy cut it).
// Before COMMIT: nothing stays and the payer may retry. With COMMIT in flight: the batch committed
// or not, and the engine finds out which before answering; it never pays twice by retrying.

let db: TestDatabase;
let proxy: PgProxy;
let t: TestApp;
let direct: Sql;
beforeAll(async () => {
  db = await createTestDatabase();
  proxy = await startPgProxy(new URL(serverUrl()));
  // The app reaches PostgreSQL through the proxy, over a small pool: a lost connection wrongly
  // handed back, or never given back, shows at once.
  t = await startTestApp({ DATABASE_URL: proxy.url(db.name), DB_POOL_MAX: "3" }, { db });
  direct = createSql(db.url, { max: 2 });
});
afterAll(async () => {
  await direct.end({ timeout: 5 });
  await t.close();
  await proxy.close();
  await db.drop();
});

const pay = (agent: TestUser, to: TestUser, amount: bigint, headers: Record<string, string> = {}) =>
  post(t, "/v1/agent/pay", agent.token, { to: to.id.toString(), amount_atomic: amount.toString() }, headers);
const balanceOf = async (id: bigint) => (await direct<{ b: bigint }[]>`SELECT balance_atomic AS b FROM agent_accounts WHERE user_id = ${id}`)[0]!.b;

async function pair(amount: bigint) {
  const agent = await createUser(t, { profile: "agent" });
  const vendor = await createUser(t, { profile: "vendor" });
  await fund(t, agent.id, amount);
  return { agent, vendor };
}

describe("the connection is cut before COMMIT", () => {
  test("503 database_unavailable with Retry-After, nothing committed, and the pool keeps paying; five times over", async () => {
    const { agent, vendor } = await pair(100_000n);
    for (let round = 0; round < 5; round++) {
      let answer!: ReturnType<typeof pay>;
      await direct.begin(async (tx) => {
        await tx`SELECT 1 FROM agent_accounts WHERE user_id = ${agent.id} FOR UPDATE`;
        answer = pay(agent, vendor, 1000n);
        await waitForLockWaiters(t, 1);
        // The batch waits on the agent's lock: end its backend.
        await tx`
          SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = ${db.name} AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`;
      });
      const r = await answer;
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe("database_unavailable");
      expect(r.res.headers.get("retry-after")).toBe("1");
      expect(await balanceOf(agent.id)).toBe(100_000n - BigInt(round) * 2000n);
      // Every pooled connection still works: three payments at once, then one.
      const after = await Promise.all([pay(agent, vendor, 500n), pay(agent, vendor, 500n), pay(agent, vendor, 500n)]);
      expect(after.map((a) => a.status)).toEqual([201, 201, 201]);
      expect((await pay(agent, vendor, 500n)).status).toBe(201);
    }
    expect(await transactionCount(t, agent.id)).toBe(5 * 4);
    expect(await unsettledOf(t, vendor.id)).toBe(5n * 2000n);
    await expectBalanced(t);
  }, 15_000);
});

describe("the answer to COMMIT is lost", () => {
  test("the batch had committed: the payment is answered 201 as made, once", async () => {
    const { agent, vendor } = await pair(10_000n);
    proxy.loseNextCommitAnswer();
    const cutsBefore = proxy.cuts();
    const r = await pay(agent, vendor, 1000n);
    expect(proxy.cuts()).toBe(cutsBefore + 1);
    expect(r.status).toBe(201);
    expect(r.body.balance.available_atomic).toBe("9000");
    expect(await balanceOf(agent.id)).toBe(9_000n);
    expect(await transactionCount(t, agent.id)).toBe(1);
    expect((await agentRow(t, agent.id)).balance).toBe(9_000n);
    await expectBalanced(t);
  });

  test("a batch of many payments: each answered as made, none paid twice", async () => {
    const { agent, vendor } = await pair(100_000n);
    // Hold the agent so that 20 payments gather into one batch, then lose that batch's COMMIT answer.
    let answers!: Promise<Awaited<ReturnType<typeof pay>>[]>;
    await direct.begin(async (tx) => {
      await tx`SELECT 1 FROM agent_accounts WHERE user_id = ${agent.id} FOR UPDATE`;
      const first = pay(agent, vendor, 1000n);
      await waitForLockWaiters(t, 1);
      const rest = Array.from({ length: 19 }, () => pay(agent, vendor, 1000n));
      await Bun.sleep(100);
      proxy.loseNextCommitAnswer();
      answers = Promise.all([first, ...rest]);
    });
    const all = await answers;
    expect(all.map((a) => a.status)).toEqual(Array(20).fill(201));
    expect(new Set(all.map((a) => a.body.transaction.id)).size).toBe(20);
    expect(await balanceOf(agent.id)).toBe(80_000n);
    expect(await transactionCount(t, agent.id)).toBe(20);
    await expectBalanced(t);
  });

  test("the database stays away: 503 payment_outcome_unknown, no retry, and the money moved once", async () => {
    const { agent, vendor } = await pair(10_000n);
    // Down from the instant the COMMIT answer is cut, for longer than the engine keeps asking (3 s).
    proxy.loseNextCommitAnswer({ downForMs: 4000 });
    const r = await pay(agent, vendor, 1000n);
    await Bun.sleep(1500);
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe("payment_outcome_unknown");
    expect(r.res.headers.get("retry-after")).toBeNull();
    // It had committed; nothing retried it.
    expect(await balanceOf(agent.id)).toBe(9_000n);
    expect(await transactionCount(t, agent.id)).toBe(1);
    expect((await pay(agent, vendor, 1000n)).status).toBe(201);
    await expectBalanced(t);
  }, 15_000);
});

describe("the server reached takes no writes (a standby behind a proxy, a primary being demoted)", () => {
  // Every new session of the database is read-only, and the pool's sessions are ended so that it
  // reconnects into that: what a pool behind HAProxy meets in the instant a primary is demoted.
  async function setReadOnly(on: boolean) {
    await direct.unsafe(`ALTER DATABASE "${db.name}" SET default_transaction_read_only = ${on ? "on" : "off"}`);
    await direct`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${db.name} AND pid <> pg_backend_pid()`;
  }
  /** Pays until an answer other than the reconnecting pool's 503 database_unavailable of a cut session. */
  async function settledPay(agent: TestUser, vendor: TestUser, expected: number) {
    for (let i = 0; ; i++) {
      const r = await pay(agent, vendor, 1000n, { "idempotency-key": `ro-${expected}-${i}-${agent.id}` });
      if (r.status === expected || i >= 30) return r;
      await Bun.sleep(100);
    }
  }

  test("a payment is 503 database_unavailable with Retry-After (never a 500), nothing is written, and payments resume once writable", async () => {
    const { agent, vendor } = await pair(10_000n);
    await setReadOnly(true);
    try {
      const r = await settledPay(agent, vendor, 503);
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe("database_unavailable");
      expect(r.res.headers.get("retry-after")).toBe("1");
      // Again, on a live read-only session this time (the refused batch rolled back and gave its connection back).
      const again = await pay(agent, vendor, 1000n);
      expect([again.status, again.body.error?.code]).toEqual([503, "database_unavailable"]);
    } finally {
      await setReadOnly(false);
    }
    // Read on this test's own connection: the app's sessions were just ended.
    const count = async () => Number((await direct<{ n: bigint }[]>`SELECT count(*) AS n FROM transactions WHERE from_agent_id = ${agent.id}`)[0]!.n);
    expect(await balanceOf(agent.id)).toBe(10_000n);
    expect(await count()).toBe(0);
    expect((await settledPay(agent, vendor, 201)).status).toBe(201);
    expect(await balanceOf(agent.id)).toBe(9_000n);
    expect(await count()).toBe(1);
    await expectBalanced(t);
  }, 20_000);
});
