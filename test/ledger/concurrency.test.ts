import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { PaymentRequest } from "@/ledger";
import { startTestApp, type TestApp } from "../support/app";
import { createUser, type TestUser } from "../support/fixtures";
import {
  agentRow,
  expectBalanced,
  engineRequest,
  feesHeld,
  fund,
  gatewaySetup,
  insertService,
  post,
  put,
  signIntent,
  transactionCount,
  unsettledOf,
  waitForLockWaiters,
} from "../support/ledger";

// Issue 5 item 8, against the real PostgreSQL with many connections: no payment is lost, doubled
// or invented however requests interleave, and a failure midway leaves nothing half-done.

let t: TestApp;
beforeAll(async () => {
  // Four batches in flight (the default is one): batches racing each other for agent, vendor and
  // rollup rows is what must not lose, double or deadlock.
  t = await startTestApp({ PLATFORM_FEE_BPS: "100", RATE_LIMIT_LINK_PER_MINUTE: "100000", DB_POOL_MAX: "20", PAYMENT_BATCH_CONCURRENCY: "4" });
});
afterAll(() => t.close());

const pay = (agent: TestUser, to: TestUser | string, amount: bigint, headers: Record<string, string> = {}) =>
  post(t, "/v1/agent/pay", agent.token, { to: typeof to === "string" ? to : to.id.toString(), amount_atomic: amount.toString() }, headers);
const statuses = (answers: { status: number }[]) => {
  const counts: Record<number, number> = {};
  for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
  return counts;
};

async function funded(amount: bigint) {
  const agent = await createUser(t, { profile: "agent" });
  if (amount > 0n) await fund(t, agent.id, amount);
  return agent;
}

/** Runs `during` while the test holds the agent's account lock: payments reaching the engine wait on it. */
async function holdingAgentLock(agentId: bigint, during: () => Promise<void>) {
  await t.sql.begin(async (tx) => {
    await tx`SELECT 1 FROM agent_accounts WHERE user_id = ${agentId} FOR UPDATE`;
    await during();
  });
}

describe("one agent, many requests", () => {
  test("200 concurrent payments, the balance covers exactly 100: 100 paid, 100 refused, balance 0", async () => {
    const agent = await funded(100_000n);
    const vendor = await createUser(t, { profile: "vendor" });
    const feesBefore = await feesHeld(t);
    const answers = await Promise.all(Array.from({ length: 200 }, () => pay(agent, vendor, 1000n)));
    expect(statuses(answers)).toEqual({ 201: 100, 402: 100 });
    for (const a of answers) if (a.status === 402) expect(a.body.error.code).toBe("insufficient_funds");
    const paid = answers.filter((a) => a.status === 201);
    expect(new Set(paid.map((a) => a.body.transaction.id)).size).toBe(100);
    // Each answer's balance is the balance right after that payment: all different, 0 the last.
    expect(new Set(paid.map((a) => a.body.balance.available_atomic)).size).toBe(100);
    expect(paid.map((a) => a.body.balance.available_atomic)).toContain("0");
    expect((await agentRow(t, agent.id)).balance).toBe(0n);
    expect(await unsettledOf(t, vendor.id)).toBe(100n * 990n);
    expect((await feesHeld(t)) - feesBefore).toBe(100n * 10n);
    expect(await transactionCount(t, agent.id)).toBe(100);
    await expectBalanced(t);
  });

  test("200 concurrent payments against a daily_max covering 100: exactly 100 paid", async () => {
    const agent = await funded(1_000_000n);
    const vendor = await createUser(t, { profile: "vendor" });
    await put(t, "/v1/agent/limits", agent.token, { per_payment_max_atomic: null, daily_max_atomic: "100000", allowed_vendor_ids: null });
    const answers = await Promise.all(Array.from({ length: 200 }, () => pay(agent, vendor, 1000n)));
    expect(statuses(answers)).toEqual({ 201: 100, 403: 100 });
    expect((await agentRow(t, agent.id)).balance).toBe(900_000n);
    const [spend] = await t.sql`SELECT spent_atomic FROM agent_daily_spend WHERE user_id = ${agent.id}`;
    expect(spend!.spent_atomic).toBe(100_000n);
    await expectBalanced(t);
  });

  test("a batch that waited for the agent's lock sees the spend committed meanwhile (daily_max)", async () => {
    const agent = await funded(10_000n);
    const vendor = await createUser(t, { profile: "vendor" });
    await put(t, "/v1/agent/limits", agent.token, { per_payment_max_atomic: null, daily_max_atomic: "1000", allowed_vendor_ids: null });
    let first!: ReturnType<typeof pay>;
    let second!: ReturnType<typeof pay>;
    await holdingAgentLock(agent.id, async () => {
      // Two batches (two connections) both wait for the lock, each from its own snapshot.
      first = pay(agent, vendor, 1000n);
      await waitForLockWaiters(t, 1);
      second = pay(agent, vendor, 1000n);
      await waitForLockWaiters(t, 2);
    });
    const answers = await Promise.all([first, second]);
    expect(statuses(answers)).toEqual({ 201: 1, 403: 1 });
    expect((await agentRow(t, agent.id)).balance).toBe(9_000n);
    await expectBalanced(t);
  });

  test("payments racing bond deposits and withdrawals never overdraw; every unit is accounted for", async () => {
    const agent = await funded(30_000_000n);
    const vendor = await createUser(t, { profile: "vendor" });
    const bondMoves = Array.from({ length: 10 }, (_, i) =>
      post(t, `/v1/agent/bond/${i % 2 === 0 ? "deposit" : "withdraw"}`, agent.token, { amount_atomic: "10000000" }),
    );
    const payments = Array.from({ length: 60 }, () => pay(agent, vendor, 500_000n));
    const [moves, paid] = await Promise.all([Promise.all(bondMoves), Promise.all(payments)]);
    for (const m of moves) expect([200, 402]).toContain(m.status);
    for (const p of paid) expect([201, 402]).toContain(p.status);
    const okPayments = paid.filter((p) => p.status === 201).length;
    const row = await agentRow(t, agent.id);
    expect(row.balance + row.bonded + BigInt(okPayments) * 500_000n).toBe(30_000_000n);
    expect(await unsettledOf(t, vendor.id)).toBe(BigInt(okPayments) * 495_000n);
    await expectBalanced(t);
  });
});

describe("gateway intents", () => {
  test("the same intent submitted 50 times at once: one 201, 49 x 409 nonce_already_used, one debit", async () => {
    const g = await gatewaySetup(t);
    await fund(t, g.agent.id, 100_000n);
    const signed = await signIntent(t, g.agentDevice, g.gatewayDevice.address, 1_000n, 1n);
    const answers = await Promise.all(Array.from({ length: 50 }, () => post(t, "/v1/gateway/payments", g.gatewayKey, signed)));
    expect(statuses(answers)).toEqual({ 201: 1, 409: 49 });
    for (const a of answers) if (a.status === 409) expect(a.body.error.code).toBe("nonce_already_used");
    expect((await agentRow(t, g.agent.id)).balance).toBe(99_000n);
    expect(await unsettledOf(t, g.vendor.id)).toBe(990n);
    expect(await transactionCount(t, g.agent.id)).toBe(1);
    await expectBalanced(t);
  });

  test("50 different intents reusing one nonce at once: exactly one is paid", async () => {
    const g = await gatewaySetup(t);
    await fund(t, g.agent.id, 1_000_000n);
    const intents = await Promise.all(Array.from({ length: 50 }, (_, i) => signIntent(t, g.agentDevice, g.gatewayDevice.address, BigInt(1000 + i), 5n)));
    const answers = await Promise.all(intents.map((i) => post(t, "/v1/gateway/payments", g.gatewayKey, i)));
    expect(statuses(answers)).toEqual({ 201: 1, 409: 49 });
    const amount = BigInt(answers.find((a) => a.status === 201)!.body.transaction.amount_atomic);
    expect((await agentRow(t, g.agent.id)).balance).toBe(1_000_000n - amount);
    expect(await transactionCount(t, g.agent.id)).toBe(1);
    await expectBalanced(t);
  });

  test("an on-chain agent's concurrent intents stop exactly at its bond", async () => {
    const g = await gatewaySetup(t);
    await fund(t, g.agent.id, 10_000_000n);
    await put(t, "/v1/agent/settings", g.agent.token, { settlement_mode: "onchain", low_balance_threshold_atomic: "0" });
    expect((await post(t, "/v1/agent/bond/deposit", g.agent.token, { amount_atomic: "10000000" })).status).toBe(200);
    const intents = await Promise.all(Array.from({ length: 40 }, (_, i) => signIntent(t, g.agentDevice, g.gatewayDevice.address, 500_000n, BigInt(i + 1))));
    const answers = await Promise.all(intents.map((i) => post(t, "/v1/gateway/payments", g.gatewayKey, i)));
    expect(statuses(answers)).toEqual({ 201: 20, 402: 20 });
    const [pending] =
      await t.sql`SELECT COALESCE(sum(amount_atomic), 0)::numeric(20,0) AS p, count(*)::int AS n FROM payment_intents WHERE agent_id = ${g.agent.id} AND status = 'PENDING'`;
    expect(pending).toMatchObject({ p: 10_000_000n, n: 20 });
    expect(await unsettledOf(t, g.vendor.id)).toBe(20n * 495_000n);
    await expectBalanced(t);
  });

  test("a batch that waited for the agent's lock sees the intents committed meanwhile (bond cap)", async () => {
    const g = await gatewaySetup(t);
    await fund(t, g.agent.id, 10_000_000n);
    await put(t, "/v1/agent/settings", g.agent.token, { settlement_mode: "onchain", low_balance_threshold_atomic: "0" });
    expect((await post(t, "/v1/agent/bond/deposit", g.agent.token, { amount_atomic: "10000000" })).status).toBe(200);
    let first!: ReturnType<typeof g.submit>;
    let second!: ReturnType<typeof g.submit>;
    await holdingAgentLock(g.agent.id, async () => {
      first = g.submit(6_000_000n, 1n);
      await waitForLockWaiters(t, 1);
      second = g.submit(6_000_000n, 2n);
      await waitForLockWaiters(t, 2);
    });
    const answers = await Promise.all([first, second]);
    expect(statuses(answers)).toEqual({ 201: 1, 402: 1 });
    expect(answers.find((a) => a.status === 402)!.body.error).toMatchObject({ code: "bond_insufficient", details: { pending_atomic: "6000000" } });
    await expectBalanced(t);
  });
});

describe("settings against payments", () => {
  test("switching back to ledger waits for an intent being committed, then refuses (409 settlement_pending)", async () => {
    const g = await gatewaySetup(t);
    await fund(t, g.agent.id, 10_000_000n);
    const onchain = { settlement_mode: "onchain", low_balance_threshold_atomic: "0" };
    await put(t, "/v1/agent/settings", g.agent.token, onchain);
    expect((await post(t, "/v1/agent/bond/deposit", g.agent.token, { amount_atomic: "10000000" })).status).toBe(200);
    let paid!: ReturnType<typeof g.submit>;
    let back!: ReturnType<typeof put>;
    // The vendor's account held: the batch has read the agent's mode and waits to credit the vendor.
    await t.sql.begin(async (tx) => {
      await tx`SELECT 1 FROM vendor_accounts WHERE user_id = ${g.vendor.id} FOR UPDATE`;
      paid = g.submit(1_000_000n, 1n);
      await waitForLockWaiters(t, 1);
      back = put(t, "/v1/agent/settings", g.agent.token, { ...onchain, settlement_mode: "ledger" });
      await waitForLockWaiters(t, 2, back);
    });
    expect((await paid).status).toBe(201);
    const r = await back;
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe("settlement_pending");
    expect((await put(t, "/v1/agent/settings", g.agent.token, { ...onchain, settlement_mode: "ledger" })).status).toBe(409);
    await expectBalanced(t);
  });
});

describe("many agents, one vendor", () => {
  test("40 agents x 5 payments at once: the vendor holds exactly the sum, every agent exactly its rest", async () => {
    const vendor = await createUser(t, { profile: "vendor" });
    const agents = await Promise.all(Array.from({ length: 40 }, () => funded(1_000_000n)));
    const amount = (i: number, j: number) => BigInt(1000 + 37 * i + 101 * j);
    const answers = await Promise.all(agents.flatMap((a, i) => [0, 1, 2, 3, 4].map((j) => pay(a, vendor, amount(i, j)))));
    expect(statuses(answers)).toEqual({ 201: 200 });
    let credited = 0n;
    for (const [i, a] of agents.entries()) {
      let spent = 0n;
      for (const j of [0, 1, 2, 3, 4]) {
        spent += amount(i, j);
        credited += amount(i, j) - (amount(i, j) * 100n) / 10_000n;
      }
      expect((await agentRow(t, a.id)).balance).toBe(1_000_000n - spent);
    }
    expect(await unsettledOf(t, vendor.id)).toBe(credited);
    await expectBalanced(t);
  });

  test("gateway and API payments to one vendor at once add up", async () => {
    const vendor = await createUser(t, { profile: "vendor" });
    const gateways = await Promise.all(Array.from({ length: 10 }, () => gatewaySetup(t, { vendor })));
    for (const g of gateways) await fund(t, g.agent.id, 100_000n);
    const answers = await Promise.all(
      gateways.flatMap((g) => [...[1n, 2n, 3n].map((n) => g.submit(2_000n, n)), pay(g.agent, vendor, 3_000n), pay(g.agent, vendor, 3_000n)]),
    );
    expect(statuses(answers)).toEqual({ 201: 50 });
    for (const g of gateways) expect((await agentRow(t, g.agent.id)).balance).toBe(100_000n - 12_000n);
    expect(await unsettledOf(t, vendor.id)).toBe(10n * (3n * 1_980n + 2n * 2_970n));
    await expectBalanced(t);
  });
});

describe("batches in flight together", () => {
  test("400 payments from 20 agents to 5 vendors in shuffled order: every unit lands, and no deadlock is ever detected", async () => {
    const agents = await Promise.all(Array.from({ length: 20 }, () => funded(1_000_000n)));
    const vendors = await Promise.all(Array.from({ length: 5 }, () => createUser(t, { profile: "vendor" })));
    const before = await Promise.all(vendors.map((v) => unsettledOf(t, v.id)));
    const deadlocksSoFar = async () => (await t.sql<{ n: bigint }[]>`SELECT deadlocks AS n FROM pg_stat_database WHERE datname = current_database()`)[0]!.n;
    const deadlocksBefore = await deadlocksSoFar();
    // Vendors in a different order for every agent: concurrent batches credit them in any mix.
    const jobs = Array.from({ length: 400 }, (_, i) => ({ agent: agents[i % 20]!, vendor: vendors[(i * 7 + Math.floor(i / 20)) % 5]! }));
    const answers = await Promise.all(jobs.map((j) => pay(j.agent, j.vendor, 1000n)));
    expect(statuses(answers)).toEqual({ 201: 400 });
    for (const a of agents) expect((await agentRow(t, a.id)).balance).toBe(1_000_000n - 20n * 1000n);
    const after = await Promise.all(vendors.map((v) => unsettledOf(t, v.id)));
    const received = vendors.map((v) => jobs.filter((j) => j.vendor === v).length);
    after.forEach((u, i) => expect(u - before[i]!).toBe(BigInt(received[i]!) * 990n));
    // pg_stat_database hears of a deadlock when the backend next reports its stats (at most 1 s later).
    await Bun.sleep(1100);
    expect(await deadlocksSoFar()).toBe(deadlocksBefore);
    await expectBalanced(t);
  });
});

describe("a failure midway leaves nothing half-done", () => {
  test("the vendor's account vanishes while the payment waits: 404, nothing is committed", async () => {
    const agent = await funded(10_000n);
    const vendor = await createUser(t, { profile: "vendor" });
    let answer!: ReturnType<typeof pay>;
    await holdingAgentLock(agent.id, async () => {
      answer = pay(agent, vendor, 1000n);
      await waitForLockWaiters(t, 1);
      await t.sql`DELETE FROM vendor_accounts WHERE user_id = ${vendor.id}`;
    });
    const r = await answer;
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe("vendor_not_found");
    expect((await agentRow(t, agent.id)).balance).toBe(10_000n);
    expect(await transactionCount(t, agent.id)).toBe(0);
    // Not half-done: the credit that had nowhere to go did not leave the agent either.
    await expectBalanced(t);
  });

  test("the service is deleted between resolution and commit: no transaction, no debit, no credit", async () => {
    const agent = await funded(10_000n);
    const vendor = await createUser(t, { profile: "vendor" });
    const service = await insertService(t, vendor.id, `race-${vendor.id}`);
    let answer!: ReturnType<typeof pay>;
    await holdingAgentLock(agent.id, async () => {
      answer = pay(agent, service, 1000n);
      await waitForLockWaiters(t, 1);
      await t.sql`DELETE FROM services WHERE id = ${service}`;
    });
    const r = await answer;
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe("service_not_found");
    expect((await agentRow(t, agent.id)).balance).toBe(10_000n);
    expect(await unsettledOf(t, vendor.id)).toBe(0n);
    expect(await transactionCount(t, agent.id)).toBe(0);
    await expectBalanced(t);
    // The agent can pay the vendor directly right after.
    expect((await pay(agent, vendor, 1000n)).status).toBe(201);
    await expectBalanced(t);
  });

  // pg_cancel_backend, not pg_terminate_backend: a connection killed inside a transaction makes
  // postgres.js 3.4.9 throw an uncaught TypeError (porsager/postgres#1066, #1208), see the report.
  test("the batch fails after the nonce and key were claimed: both are free again, a retry pays once", async () => {
    const g = await gatewaySetup(t);
    await fund(t, g.agent.id, 10_000n);
    const signed = await signIntent(t, g.agentDevice, g.gatewayDevice.address, 1_000n, 1n);
    const key = { "idempotency-key": `crash-${crypto.randomUUID()}` };
    let answer!: ReturnType<typeof post>;
    await holdingAgentLock(g.agent.id, async () => {
      answer = post(t, "/v1/gateway/payments", g.gatewayKey, signed, key);
      await waitForLockWaiters(t, 1);
      // The batch has claimed the key and spent the nonce in its transaction; fail it there.
      const killed = await t.sql`
        SELECT pg_cancel_backend(pid) AS ok FROM pg_stat_activity
        WHERE datname = ${t.db.name} AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`;
      expect(killed.length).toBe(1);
    });
    const r = await answer;
    expect(r.status).toBe(500);
    expect((await agentRow(t, g.agent.id)).balance).toBe(10_000n);
    const [spent] = await t.sql`SELECT count(*)::int AS n FROM intent_nonces WHERE agent_pubkey = ${g.agentDevice.address}`;
    expect(spent!.n).toBe(0);
    await expectBalanced(t);

    const retry = await post(t, "/v1/gateway/payments", g.gatewayKey, signed, key);
    expect(retry.status).toBe(201);
    expect(retry.res.headers.get("idempotent-replayed")).toBeNull();
    const again = await post(t, "/v1/gateway/payments", g.gatewayKey, signed, key);
    expect(again.body.transaction.id).toBe(retry.body.transaction.id);
    expect((await agentRow(t, g.agent.id)).balance).toBe(9_000n);
    await expectBalanced(t);
  });
});

describe("one poisoned payment does not sink its batch", () => {
  // Submitted to the engine in one tick, the payments form one batch (the route resolved them
  // earlier; the poison is what changed since). The failed batch is retried payment by payment.
  const request = (agent: TestUser, vendorId: bigint, amount: bigint, serviceId: string | null = null) => engineRequest(t, agent.id, vendorId, amount, { serviceId });

  test.each([["a service deleted since resolution"], ["a vendor without a profile"]])("%s", async (poison) => {
    const vendor = await createUser(t, { profile: "vendor" });
    const agents = await Promise.all(Array.from({ length: 8 }, () => funded(10_000n)));
    const victim = await funded(10_000n);
    const observer = await createUser(t);
    const bad = poison === "a vendor without a profile" ? request(victim, observer.id, 1_000n) : request(victim, vendor.id, 1_000n, "no-longer-there");
    const logsBefore = t.logs.length;

    const goods = agents.map((a) => t.deps.payments.submit(request(a, vendor.id, 1_000n)));
    const poisoned = t.deps.payments.submit(bad).then(
      (outcome) => outcome.kind,
      () => "failed",
    );
    const outcomes = await Promise.all(goods);
    // A vanished vendor rejects with its 404 AppError; a vanished service resolves as a refusal.
    expect(await poisoned).toBe(poison === "a vendor without a profile" ? "failed" : "refused");

    expect(outcomes.map((o) => o.kind)).toEqual(Array(8).fill("paid"));
    const retried = t.logs.slice(logsBefore).filter((l) => l.msg === "payment batch failed; retrying its payments one by one");
    expect(retried.map((l) => l.size)).toEqual([9]);
    for (const a of agents) expect((await agentRow(t, a.id)).balance).toBe(9_000n);
    expect((await agentRow(t, victim.id)).balance).toBe(10_000n);
    expect(await transactionCount(t, victim.id)).toBe(0);
    expect(await unsettledOf(t, vendor.id)).toBe(8n * 990n);
    await expectBalanced(t);
  });
});

describe("one engine batch", () => {
  test("two intents with one (agent key, nonce): the first is paid, the second is 409 nonce_already_used", async () => {
    const agent = await funded(10_000n);
    const vendor = await createUser(t, { profile: "vendor" });
    const agentPubkey = `K${crypto.randomUUID().replaceAll("-", "")}`;
    const intent = (amount: bigint): PaymentRequest => ({
      ...engineRequest(t, agent.id, vendor.id, amount, { source: "gateway" }),
      intent: { agentPubkey, gatewayPubkey: "G", nonce: 3n, deadline: 0n, signature: "s", hash: crypto.randomUUID().replaceAll("-", "") },
    });
    const [a, b] = await Promise.all([t.deps.payments.submit(intent(1_000n)), t.deps.payments.submit(intent(2_000n))]);
    expect(a.kind).toBe("paid");
    expect(b.kind === "refused" && b.error.code).toBe("nonce_already_used");
    expect((await agentRow(t, agent.id)).balance).toBe(9_000n);
    expect(await transactionCount(t, agent.id)).toBe(1);
    await expectBalanced(t);
  });
});
