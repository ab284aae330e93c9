import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/app";
import { createUser } from "../support/fixtures";
import { earn, expectBalanced, fund, post } from "../support/ledger";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

test("a suspended agent's bond is frozen: it secures the loss that suspended it", async () => {
  const agent = await createUser(t, { profile: "agent" });
  await fund(t, agent.id, 20_000_000n);
  expect((await post(t, "/v1/agent/bond/deposit", agent.token, { amount_atomic: "10000000" })).status).toBe(200);
  await t.sql`UPDATE users SET status = 'SUSPENDED' WHERE id = ${agent.id}`;
  const r = await post(t, "/v1/agent/bond/withdraw", agent.token, { amount_atomic: "10000000" });
  expect(r.status).toBe(403);
  expect(r.body.error.code).toBe("agent_suspended");
  const [u] = await t.sql`SELECT bonded_atomic FROM agent_accounts WHERE user_id = ${agent.id}`;
  expect(u!.bonded_atomic).toBe(10_000_000n);
  await expectBalanced(t);
});

test("a gateway key may pay out only to the profile's own withdrawal address", async () => {
  const vendor = await createUser(t, { profile: "vendor" });
  await earn(t, vendor.id, 3_000_000n);
  const key = (await post(t, "/v1/vendor/keys", vendor.token, { name: "gw" })).body.key as string;
  const elsewhere = await post(t, "/v1/vendor/payout", key, { amount_atomic: "1000000", destinationWallet: "11111111111111111111111111111112", reference: "k-1" });
  expect(elsewhere.status).toBe(403);
  expect(elsewhere.body.error.code).toBe("session_required");
  const own = await post(t, "/v1/vendor/payout", key, { amount_atomic: "1000000", reference: "k-2" });
  expect(own.status).toBe(201);
  const session = await post(t, "/v1/vendor/payout", vendor.token, { amount_atomic: "1000000", destinationWallet: "11111111111111111111111111111112", reference: "s-1" });
  expect(session.status).toBe(201);
  await expectBalanced(t);
});
