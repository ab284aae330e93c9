import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createSql, type Sql } from "@/db/client";
import type { PaymentOutcome } from "@/ledger";
import { startTestApp, type TestApp } from "../support/app";
import { createUser, type TestUser } from "../support/fixtures";
import { agentRow, engineRequest, expectBalanced, fund, post, transactionCount, waitForLockWaiters } from "../support/ledger";

// A payment carries a deadline (PAYMENT_DEADLINE_MS from its request's arrival): if its batch
// cannot send COMMIT by then, it is answered 503 payment_deadline_exceeded and the batch rolls
// back whenever the database lets it go on. It is never committed after its caller was told no.

const DEADLINE_MS = 400;
let t: TestApp;
let direct: Sql;
beforeAll(async () => {
  t = await startTestApp({ PAYMENT_DEADLINE_MS: String(DEADLINE_MS) });
  direct = createSql(t.db.url, { max: 2 });
});
afterAll(async () => {
  await direct.end({ timeout: 5 });
  await t.close();
});

const pay = (agent: TestUser, to: TestUser, amount: bigint, headers: Record<string, string> = {}) =>
  post(t, "/v1/agent/pay", agent.token, { to: to.id.toString(), amount_atomic: amount.toString() }, headers);

async function pair(amount: bigint) {
  const agent = await createUser(t, { profile: "agent" });
  const vendor = await createUser(t, { profile: "vendor" });
  await fund(t, agent.id, amount);
  return { agent, vendor };
}

/** Holds an agent's account locked (as a long transaction would) while fn runs. */
async function whileLocked<T>(agentId: bigint, fn: () => Promise<T>): Promise<T> {
  let out!: T;
  await direct.begin(async (tx) => {
    await tx`SELECT 1 FROM agent_accounts WHERE user_id = ${agentId} FOR UPDATE`;
    out = await fn();
  });
  return out;
}

describe("a payment that cannot reach COMMIT before its deadline", () => {
  test("is answered 503 payment_deadline_exceeded, is not made when the database goes on, and is paid once on a retry with the same key", async () => {
    const { agent, vendor } = await pair(10_000n);
    const key = { "idempotency-key": "deadline-1" };
    const r = await whileLocked(agent.id, async () => {
      const answer = pay(agent, vendor, 1_000n, key);
      await waitForLockWaiters(t, 1);
      // Answered while the batch still waits on the lock: the caller is not kept waiting.
      return answer;
    });
    expect(r.status).toBe(503);
    expect(r.body.error.code).toBe("payment_deadline_exceeded");
    expect(r.body.error.details.deadline_ms).toBe(DEADLINE_MS);
    expect(r.res.headers.get("retry-after")).toBe("1");

    // The lock is gone and the batch went on: it rolled back instead of committing.
    await t.deps.payments.drain();
    expect((await agentRow(t, agent.id)).balance).toBe(10_000n);
    expect(await transactionCount(t, agent.id)).toBe(0);

    // Its key was claimed only inside the rolled-back transaction: the retry pays, once.
    const retry = await pay(agent, vendor, 1_000n, key);
    expect(retry.status).toBe(201);
    const replay = await pay(agent, vendor, 1_000n, key);
    expect(replay.status).toBe(201);
    expect(replay.body.transaction.id).toBe(retry.body.transaction.id);
    expect((await agentRow(t, agent.id)).balance).toBe(9_000n);
    await expectBalanced(t);
  });

  test("payments queued behind a stalled batch are answered at their deadline too, and none of them is made later", async () => {
    const stuck = await pair(10_000n);
    const others = await Promise.all([pair(10_000n), pair(10_000n), pair(10_000n)]);
    const answers = await whileLocked(stuck.agent.id, async () => {
      const first = pay(stuck.agent, stuck.vendor, 1_000n);
      await waitForLockWaiters(t, 1);
      // These agents are not locked, but the one batch in flight is stalled: they queue behind it.
      const queued = others.map((o) => pay(o.agent, o.vendor, 2_000n));
      return Promise.all([first, ...queued]);
    });
    expect(answers.map((a) => a.body.error?.code)).toEqual(Array(4).fill("payment_deadline_exceeded"));
    await t.deps.payments.drain();
    for (const p of [stuck, ...others]) {
      expect((await agentRow(t, p.agent.id)).balance).toBe(10_000n);
      expect(await transactionCount(t, p.agent.id)).toBe(0);
    }
    // The engine is not left stuck: the same payments go through now.
    const again = await Promise.all([stuck, ...others].map((p) => pay(p.agent, p.vendor, 1_000n)));
    expect(again.map((a) => a.status)).toEqual([201, 201, 201, 201]);
    await expectBalanced(t);
  });

  test("a batch rolled back for one payment's deadline makes its other payments once, when they have time left", async () => {
    const slow = await pair(10_000n);
    const fresh = await pair(10_000n);
    const request = (p: { agent: TestUser; vendor: TestUser }, receivedAt: number) => engineRequest(t, p.agent.id, p.vendor.id, 1_000n, { receivedAt });
    const both = await whileLocked(slow.agent.id, async () => {
      // One batch: the first payment has 100 ms left, the second all of its deadline. The batch
      // waits on the first one's agent lock past that 100 ms.
      const submitted = [t.deps.payments.submit(request(slow, performance.now() - DEADLINE_MS + 100)), t.deps.payments.submit(request(fresh, performance.now()))];
      await waitForLockWaiters(t, 1);
      await Bun.sleep(150);
      return submitted;
    });
    // Once the lock goes, the batch reaches its COMMIT check.
    const [late, onTime] = (await Promise.all(both)) as [PaymentOutcome, PaymentOutcome];
    expect(late.kind === "refused" && late.error.code).toBe("payment_deadline_exceeded");
    // The batch rolled back rather than commit without its expired payment, then went again.
    expect(onTime.kind).toBe("paid");
    await t.deps.payments.drain();
    expect((await agentRow(t, slow.agent.id)).balance).toBe(10_000n);
    expect((await agentRow(t, fresh.agent.id)).balance).toBe(9_000n);
    expect(await transactionCount(t, fresh.agent.id)).toBe(1);
    expect(await transactionCount(t, slow.agent.id)).toBe(0);
    await expectBalanced(t);
  });
});
