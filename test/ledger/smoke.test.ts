import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/app";
import { createUser } from "../support/fixtures";
import { expectBalanced, fund, post } from "../support/ledger";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ PLATFORM_FEE_BPS: "100" });
});
afterAll(() => t.close());

test("an agent pays a vendor; balances, fee and audit add up", async () => {
  const agent = await createUser(t, { profile: "agent" });
  const vendor = await createUser(t, { profile: "vendor" });
  await fund(t, agent.id, 10_000n);
  const r = await post(t, "/v1/agent/pay", agent.token, { to: vendor.id.toString(), amount_atomic: "1000" });
  expect(r.status).toBe(201);
  expect(r.body.transaction).toMatchObject({ amount_atomic: "1000", fee_atomic: "10", status: "confirmed" });
  expect(r.body.balance.available_atomic).toBe("9000");
  const [p] = await t.sql`SELECT unsettled_balance_atomic FROM profiles WHERE user_id = ${vendor.id}`;
  expect(p!.unsettled_balance_atomic).toBe(990n);
  await expectBalanced(t);
});
