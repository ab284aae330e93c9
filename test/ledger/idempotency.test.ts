import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { manualClock } from "@/core/clock";
import type { PaymentRequest } from "@/ledger";
import { startTestApp, type TestApp } from "../support/app";
import { createUser, type TestUser } from "../support/fixtures";
import { agentRow, engineRequest, expectBalanced, fund, gatewaySetup, insertService, post, signIntent, transactionCount, unsettledOf } from "../support/ledger";

// Idempotency-Key on the money-moving POSTs (contract.md "Conventions"): same key + same body
// replays the first answer; same key + another body is 409 idempotency_conflict.

const clock = manualClock(new Date("2032-01-10T10:00:00Z"));
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ PLATFORM_FEE_BPS: "100", RATE_LIMIT_LINK_PER_MINUTE: "100000" }, { clock });
});
afterAll(() => t.close());

const key = (name: string) => ({ "idempotency-key": `${name}-${crypto.randomUUID()}` });
const pay = (agent: TestUser, to: TestUser | string, amount: string, headers: Record<string, string>) =>
  post(t, "/v1/agent/pay", agent.token, { to: typeof to === "string" ? to : to.id.toString(), amount_atomic: amount }, headers);

async function pair(balance: bigint) {
  const agent = await createUser(t, { profile: "agent" });
  const vendor = await createUser(t, { profile: "vendor" });
  if (balance > 0n) await fund(t, agent.id, balance);
  return { agent, vendor };
}

describe("POST /v1/agent/pay", () => {
  test("the same key and body replays the first answer: same transaction, one debit, Idempotent-Replayed", async () => {
    const { agent, vendor } = await pair(10_000n);
    const k = key("pay");
    const first = await pay(agent, vendor, "1000", k);
    expect(first.status).toBe(201);
    expect(first.res.headers.get("idempotent-replayed")).toBeNull();
    const again = await pay(agent, vendor, "1000", k);
    expect(again.status).toBe(201);
    expect(again.res.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect((await agentRow(t, agent.id)).balance).toBe(9_000n);
    expect(await unsettledOf(t, vendor.id)).toBe(990n);
    expect(await transactionCount(t, agent.id)).toBe(1);
    // Without a key, the same body is a new payment.
    expect((await pay(agent, vendor, "1000", {})).body.transaction.id).not.toBe(first.body.transaction.id);
    expect((await agentRow(t, agent.id)).balance).toBe(8_000n);
    await expectBalanced(t);
  });

  test("the same key with another body (or on another route) is 409 idempotency_conflict and moves nothing", async () => {
    const { agent, vendor } = await pair(50_000_000n);
    const k = key("conflict");
    expect((await pay(agent, vendor, "1000", k)).status).toBe(201);
    const other = await pay(agent, vendor, "1001", k);
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe("idempotency_conflict");
    const elsewhere = await post(t, "/v1/agent/bond/deposit", agent.token, { amount_atomic: "10000000" }, k);
    expect(elsewhere.status).toBe(409);
    expect(elsewhere.body.error.code).toBe("idempotency_conflict");
    expect(await agentRow(t, agent.id)).toMatchObject({ balance: 49_999_000n, bonded: 0n });
    await expectBalanced(t);
  });

  test("a refusal is an answer too: a 402 is replayed even after the agent is funded", async () => {
    const { agent, vendor } = await pair(0n);
    const k = key("refused");
    const first = await pay(agent, vendor, "1000", k);
    expect(first.status).toBe(402);
    await fund(t, agent.id, 10_000n);
    const again = await pay(agent, vendor, "1000", k);
    expect(again.status).toBe(402);
    expect(again.res.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect((await agentRow(t, agent.id)).balance).toBe(10_000n);
    // A new key is a new attempt.
    expect((await pay(agent, vendor, "1000", key("retry"))).status).toBe(201);
    await expectBalanced(t);
  });

  test("the first answer is replayed even when the payee has gone away since", async () => {
    const { agent, vendor } = await pair(10_000n);
    const service = await insertService(t, vendor.id, `idem-${vendor.id}`);
    const k = key("gone");
    const first = await pay(agent, service, "1000", k);
    expect(first.status).toBe(201);
    await t.sql`UPDATE services SET is_active = false WHERE id = ${service}`;
    const again = await pay(agent, service, "1000", k);
    expect(again.status).toBe(201);
    expect(again.body.transaction.id).toBe(first.body.transaction.id);
    expect((await agentRow(t, agent.id)).balance).toBe(9_000n);
    await expectBalanced(t);
  });

  test("a request refused before reaching the ledger (400) stores nothing: the key stays usable", async () => {
    const { agent, vendor } = await pair(10_000n);
    const k = key("invalid");
    expect((await pay(agent, vendor, "1.5", k)).status).toBe(400);
    expect((await pay(agent, vendor, "15", k)).status).toBe(201);
    await expectBalanced(t);
  });

  test("keys belong to a user: another agent's identical key is independent", async () => {
    const a = await pair(10_000n);
    const b = await pair(10_000n);
    const k = key("shared");
    const ra = await pay(a.agent, a.vendor, "100", k);
    const rb = await pay(b.agent, a.vendor, "100", k);
    expect(ra.status).toBe(201);
    expect(rb.status).toBe(201);
    expect(rb.res.headers.get("idempotent-replayed")).toBeNull();
    expect(rb.body.transaction.id).not.toBe(ra.body.transaction.id);
    expect((await agentRow(t, a.agent.id)).balance).toBe(9_900n);
    expect((await agentRow(t, b.agent.id)).balance).toBe(9_900n);
    expect(await unsettledOf(t, a.vendor.id)).toBe(198n);
    await expectBalanced(t);
  });

  test("a malformed Idempotency-Key is a 400 naming the header", async () => {
    const { agent, vendor } = await pair(10_000n);
    for (const bad of ["x".repeat(256), "with space", "é"]) {
      const r = await pay(agent, vendor, "100", { "idempotency-key": bad });
      expect(r.status).toBe(400);
      expect(r.body.error.details.issues[0].field).toBe("idempotency-key");
    }
    expect((await agentRow(t, agent.id)).balance).toBe(10_000n);
  });

  test("20 concurrent requests with one key: exactly one debit, every answer carries the same transaction", async () => {
    const { agent, vendor } = await pair(1_000_000n);
    const k = key("burst");
    const answers = await Promise.all(Array.from({ length: 20 }, () => pay(agent, vendor, "1000", k)));
    // A claim waits for the concurrent holder's commit, so "in progress" is never seen here.
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
    const ids = new Set(answers.map((a) => a.body.transaction.id));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.res.headers.get("idempotent-replayed") === "true").length).toBe(19);
    expect((await agentRow(t, agent.id)).balance).toBe(999_000n);
    expect(await unsettledOf(t, vendor.id)).toBe(990n);
    expect(await transactionCount(t, agent.id)).toBe(1);
    await expectBalanced(t);
  });

  test("concurrent keys of many agents, each sent three times at once: one payment per key", async () => {
    const vendor = await createUser(t, { profile: "vendor" });
    const agents = await Promise.all(Array.from({ length: 10 }, async () => (await pair(10_000n)).agent));
    const keys = agents.map(() => key("fan"));
    const answers = await Promise.all(agents.flatMap((a, i) => [0, 1, 2].map(() => pay(a, vendor, "700", keys[i]!))));
    expect(answers.every((a) => a.status === 201)).toBe(true);
    expect(new Set(answers.map((a) => a.body.transaction.id)).size).toBe(10);
    for (const a of agents) expect((await agentRow(t, a.id)).balance).toBe(9_300n);
    expect(await unsettledOf(t, vendor.id)).toBe(10n * 693n);
    await expectBalanced(t);
  });
});

describe("POST /v1/agent/bond/deposit and /withdraw", () => {
  test("replayed, conflicting and refused, like payments", async () => {
    const { agent } = await pair(50_000_000n);
    const k = key("bond");
    const first = await post(t, "/v1/agent/bond/deposit", agent.token, { amount_atomic: "10000000" }, k);
    expect(first.status).toBe(200);
    const again = await post(t, "/v1/agent/bond/deposit", agent.token, { amount_atomic: "10000000" }, k);
    expect(again.status).toBe(200);
    expect(again.res.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(await agentRow(t, agent.id)).toMatchObject({ balance: 40_000_000n, bonded: 10_000_000n });
    expect((await post(t, "/v1/agent/bond/deposit", agent.token, { amount_atomic: "20000000" }, k)).body.error.code).toBe("idempotency_conflict");

    const w = key("withdraw");
    const refused = await post(t, "/v1/agent/bond/withdraw", agent.token, { amount_atomic: "5000000" }, w);
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe("bond_below_minimum");
    const replayed = await post(t, "/v1/agent/bond/withdraw", agent.token, { amount_atomic: "5000000" }, w);
    expect(replayed.status).toBe(422);
    expect(replayed.res.headers.get("idempotent-replayed")).toBe("true");

    const all = key("withdraw-all");
    expect((await post(t, "/v1/agent/bond/withdraw", agent.token, { amount_atomic: "10000000" }, all)).status).toBe(200);
    expect((await post(t, "/v1/agent/bond/withdraw", agent.token, { amount_atomic: "10000000" }, all)).status).toBe(200);
    expect(await agentRow(t, agent.id)).toMatchObject({ balance: 50_000_000n, bonded: 0n });
    await expectBalanced(t);
  });

  test("20 concurrent deposits with one key move the amount once", async () => {
    const { agent } = await pair(50_000_000n);
    const k = key("bond-burst");
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(t, "/v1/agent/bond/deposit", agent.token, { amount_atomic: "10000000" }, k)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    for (const a of answers) expect(a.body).toMatchObject({ available_atomic: "40000000", bonded_atomic: "10000000" });
    expect(await agentRow(t, agent.id)).toMatchObject({ balance: 40_000_000n, bonded: 10_000_000n });
    await expectBalanced(t);
  });
});

describe("POST /v1/gateway/payments", () => {
  test("the same key and intent replays the first answer instead of 409 nonce_already_used", async () => {
    const g = await gatewaySetup(t);
    await fund(t, g.agent.id, 10_000n);
    const signed = await signIntent(t, g.agentDevice, g.gatewayDevice.address, 1_000n, 1n);
    const k = key("gw");
    const first = await post(t, "/v1/gateway/payments", g.gatewayKey, signed, k);
    expect(first.status).toBe(201);
    const again = await post(t, "/v1/gateway/payments", g.gatewayKey, signed, k);
    expect(again.status).toBe(201);
    expect(again.res.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body.transaction.id).toBe(first.body.transaction.id);
    // Without the key the intent is a replay of a spent nonce.
    expect((await post(t, "/v1/gateway/payments", g.gatewayKey, signed)).body.error.code).toBe("nonce_already_used");
    // Another intent under the same key: conflict.
    const other = await signIntent(t, g.agentDevice, g.gatewayDevice.address, 1_000n, 2n);
    expect((await post(t, "/v1/gateway/payments", g.gatewayKey, other, k)).body.error.code).toBe("idempotency_conflict");
    expect((await agentRow(t, g.agent.id)).balance).toBe(9_000n);
    expect(await unsettledOf(t, g.vendor.id)).toBe(990n);
    // The refused request did not spend the other intent's nonce: that intent can still be paid.
    expect((await post(t, "/v1/gateway/payments", g.gatewayKey, other)).status).toBe(201);
    expect((await agentRow(t, g.agent.id)).balance).toBe(8_000n);
    await expectBalanced(t);
  });

  test("two intents sent at once under one key: one pays, the other is refused and keeps its nonce", async () => {
    const g = await gatewaySetup(t);
    await fund(t, g.agent.id, 10_000n);
    const a = await signIntent(t, g.agentDevice, g.gatewayDevice.address, 1_000n, 1n);
    const b = await signIntent(t, g.agentDevice, g.gatewayDevice.address, 1_000n, 2n);
    const k = key("gw-two");
    const [ra, rb] = await Promise.all([post(t, "/v1/gateway/payments", g.gatewayKey, a, k), post(t, "/v1/gateway/payments", g.gatewayKey, b, k)]);
    expect([ra.status, rb.status].sort()).toEqual([201, 409]);
    const [winner, loser] = ra.status === 201 ? [a, b] : [b, a];
    expect([ra, rb].find((r) => r.status === 409)!.body.error.code).toMatch(/^idempotency_(conflict|in_progress)$/);
    expect((await agentRow(t, g.agent.id)).balance).toBe(9_000n);
    // The winner's nonce is spent; the loser's is not.
    expect((await post(t, "/v1/gateway/payments", g.gatewayKey, winner)).body.error.code).toBe("nonce_already_used");
    expect((await post(t, "/v1/gateway/payments", g.gatewayKey, loser)).status).toBe(201);
    expect((await agentRow(t, g.agent.id)).balance).toBe(8_000n);
    await expectBalanced(t);
  });

  test("a retry after the intent's deadline still gets the first answer", async () => {
    const g = await gatewaySetup(t);
    await fund(t, g.agent.id, 10_000n);
    const signed = await signIntent(t, g.agentDevice, g.gatewayDevice.address, 1_000n, 1n);
    const k = key("late-retry");
    const first = await post(t, "/v1/gateway/payments", g.gatewayKey, signed, k);
    expect(first.status).toBe(201);
    clock.advance(120_000);
    const again = await post(t, "/v1/gateway/payments", g.gatewayKey, signed, k);
    expect(again.status).toBe(201);
    expect(again.body.transaction.id).toBe(first.body.transaction.id);
    expect((await agentRow(t, g.agent.id)).balance).toBe(9_000n);
    await expectBalanced(t);
  });

  test("20 concurrent submissions of one intent with one key: one debit, one transaction in every answer", async () => {
    const g = await gatewaySetup(t);
    await fund(t, g.agent.id, 10_000n);
    const signed = await signIntent(t, g.agentDevice, g.gatewayDevice.address, 1_000n, 1n);
    const k = key("gw-burst");
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(t, "/v1/gateway/payments", g.gatewayKey, signed, k)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
    expect(new Set(answers.map((a) => a.body.transaction.id)).size).toBe(1);
    expect((await agentRow(t, g.agent.id)).balance).toBe(9_000n);
    expect(await transactionCount(t, g.agent.id)).toBe(1);
    await expectBalanced(t);
  });
});

describe("within one engine batch", () => {
  // Requests submitted in one tick form one batch: the case a burst of retries produces under load.
  test("two requests with one key: the first pays, the second replays its answer", async () => {
    const { agent, vendor } = await pair(10_000n);
    const k = `batch-${crypto.randomUUID()}`;
    const request = (): PaymentRequest => ({
      ...engineRequest(t, agent.id, vendor.id, 1_000n),
      idempotency: {
        userId: agent.id,
        key: k,
        requestHash: "a".repeat(64),
      },
    });
    const [a, b] = await Promise.all([t.deps.payments.submit(request()), t.deps.payments.submit(request())]);
    // The second gets the first's outcome, as stored with the payment: the same transaction.
    if (a.kind !== "paid" || b.kind !== "paid") throw new Error(`expected two paid outcomes, got ${a.kind} and ${b.kind}`);
    expect(b.replayed).toBe(true);
    expect(b.transaction).toEqual(a.transaction);
    expect(b.balance).toEqual(a.balance);
    expect((await agentRow(t, agent.id)).balance).toBe(9_000n);
    expect(await transactionCount(t, agent.id)).toBe(1);
    await expectBalanced(t);
  });
});
