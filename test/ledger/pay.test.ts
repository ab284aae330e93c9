import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/app";
import { createUser } from "../support/fixtures";
import { agentRow, createKey, expectBalanced, feesHeld, fund, insertService, post, put, transactionCount, unsettledOf } from "../support/ledger";

// POST /v1/agent/pay (contract.md "Ledger"), with a 2.5 % platform fee.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ PLATFORM_FEE_BPS: "250" });
});
afterAll(() => t.close());

const pay = (token: string, to: bigint | string, amount: string, extra: Record<string, unknown> = {}) =>
  post(t, "/v1/agent/pay", token, { to: to.toString(), amount_atomic: amount, ...extra });

async function funded(amount: bigint) {
  const agent = await createUser(t, { profile: "agent" });
  if (amount > 0n) await fund(t, agent.id, amount);
  return agent;
}

describe("a payment", () => {
  test("debits the agent, credits the vendor amount - fee, records the transaction and the fee", async () => {
    const agent = await funded(10_000n);
    const vendor = await createUser(t, { profile: "vendor" });
    const feesBefore = await feesHeld(t);

    const r = await pay(agent.token, vendor.id, "1000", { reference: "order-17" });

    expect(r.status).toBe(201);
    expect(r.body.transaction).toMatchObject({
      from_agent_id: agent.id.toString(),
      to_vendor_id: vendor.id.toString(),
      service_id: null,
      amount_atomic: "1000",
      fee_atomic: "25",
      token_mint: t.config.USDC_MINT,
      status: "confirmed",
      reference: "order-17",
      source: "api",
      intent_id: null,
      settled_at: null,
    });
    expect(r.body.transaction.id).toMatch(/^tx_/);
    expect(r.body.transaction.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(r.body.balance).toEqual({ available_atomic: "9000", bonded_atomic: "0", pending_atomic: "0", token_mint: t.config.USDC_MINT });

    expect((await agentRow(t, agent.id)).balance).toBe(9000n);
    expect(await unsettledOf(t, vendor.id)).toBe(975n);
    expect((await feesHeld(t)) - feesBefore).toBe(25n);
    const [row] = await t.sql`SELECT amount_atomic, fee_atomic, hash, to_vendor_id, latency_ms FROM transactions WHERE id = ${r.body.transaction.id}`;
    expect(row).toMatchObject({ amount_atomic: 1000n, fee_atomic: 25n, hash: r.body.transaction.hash, to_vendor_id: vendor.id });
    expect(row!.latency_ms).toBeGreaterThanOrEqual(0);

    const report = await expectBalanced(t);
    expect(BigInt(report.mints[0].holdings.fees_atomic)).toBeGreaterThanOrEqual(25n);
  });

  test("the fee is rounded down: the vendor never gets less than amount - floor(amount * bps / 10000)", async () => {
    const agent = await funded(10_000n);
    const vendor = await createUser(t, { profile: "vendor" });
    // 799 * 250 / 10000 = 19.975 -> 19; 39 * 250 / 10000 = 0.975 -> 0.
    const a = await pay(agent.token, vendor.id, "799");
    const b = await pay(agent.token, vendor.id, "39");
    expect(a.body.transaction.fee_atomic).toBe("19");
    expect(b.body.transaction.fee_atomic).toBe("0");
    expect(await unsettledOf(t, vendor.id)).toBe(780n + 39n);
    expect((await agentRow(t, agent.id)).balance).toBe(10_000n - 838n);
    await expectBalanced(t);
  });

  test("paying the whole balance leaves exactly 0; one more unit is refused", async () => {
    const agent = await funded(500n);
    const vendor = await createUser(t, { profile: "vendor" });
    expect((await pay(agent.token, vendor.id, "500")).status).toBe(201);
    const r = await pay(agent.token, vendor.id, "1");
    expect(r.status).toBe(402);
    expect(r.body.error.details.available_atomic).toBe("0");
    expect((await agentRow(t, agent.id)).balance).toBe(0n);
    await expectBalanced(t);
  });

  test("to a service id: the service's vendor is credited and the transaction names the service", async () => {
    const agent = await funded(10_000n);
    const vendor = await createUser(t, { profile: "vendor" });
    const service = await insertService(t, vendor.id, `svc-${vendor.id}`);
    const r = await pay(agent.token, service, "2000");
    expect(r.status).toBe(201);
    expect(r.body.transaction).toMatchObject({ service_id: service, to_vendor_id: vendor.id.toString(), fee_atomic: "50" });
    expect(await unsettledOf(t, vendor.id)).toBe(1950n);
    await expectBalanced(t);
  });

  test("with an agent API key holding write; a read-only key cannot pay", async () => {
    const agent = await funded(10_000n);
    const vendor = await createUser(t, { profile: "vendor" });
    const writer = await createKey(t, agent.token, "agent");
    const reader = await createKey(t, agent.token, "agent", ["read"]);
    expect((await pay(writer, vendor.id, "100")).status).toBe(201);
    const refused = await pay(reader, vendor.id, "100");
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("insufficient_permissions");
    expect((await agentRow(t, agent.id)).balance).toBe(9900n);
    await expectBalanced(t);
  });

  test("is for agents: a vendor, an observer and an anonymous caller are refused", async () => {
    const vendor = await createUser(t, { profile: "vendor" });
    const other = await createUser(t, { profile: "vendor" });
    const observer = await createUser(t);
    expect((await pay(vendor.token, other.id, "1")).status).toBe(403);
    expect((await pay(observer.token, other.id, "1")).status).toBe(403);
    const anonymous = await fetch(t.url + "/v1/agent/pay", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ to: other.id.toString(), amount_atomic: "1" }),
    });
    expect(anonymous.status).toBe(401);
    await expectBalanced(t);
  });
});

describe("refusals move nothing", () => {
  test("402 insufficient_funds names what is available", async () => {
    const agent = await funded(999n);
    const vendor = await createUser(t, { profile: "vendor" });
    const r = await pay(agent.token, vendor.id, "1000");
    expect(r.status).toBe(402);
    expect(r.body.error).toMatchObject({ code: "insufficient_funds", details: { available_atomic: "999", amount_atomic: "1000" } });
    expect((await agentRow(t, agent.id)).balance).toBe(999n);
    expect(await unsettledOf(t, vendor.id)).toBe(0n);
    expect(await transactionCount(t, agent.id)).toBe(0);
    await expectBalanced(t);
  });

  test("an agent with no funds at all gets 402 with available 0", async () => {
    const agent = await funded(0n);
    const vendor = await createUser(t, { profile: "vendor" });
    const r = await pay(agent.token, vendor.id, "1");
    expect(r.status).toBe(402);
    expect(r.body.error.details.available_atomic).toBe("0");
    await expectBalanced(t);
  });

  test("403 agent_suspended", async () => {
    const agent = await funded(10_000n);
    const vendor = await createUser(t, { profile: "vendor" });
    await t.sql`UPDATE users SET status = 'SUSPENDED' WHERE id = ${agent.id}`;
    const r = await pay(agent.token, vendor.id, "100");
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe("agent_suspended");
    expect((await agentRow(t, agent.id)).balance).toBe(10_000n);
    expect(await unsettledOf(t, vendor.id)).toBe(0n);
    await expectBalanced(t);
  });

  test("404 vendor_not_found: unknown id, a user who is not a vendor, an unknown or inactive service", async () => {
    const agent = await funded(10_000n);
    const otherAgent = await createUser(t, { profile: "agent" });
    const observer = await createUser(t);
    const vendor = await createUser(t, { profile: "vendor" });
    const inactive = await insertService(t, vendor.id, `off-${vendor.id}`, { active: false });
    for (const to of ["987654321098", otherAgent.id.toString(), observer.id.toString(), "no-such-service", inactive]) {
      const r = await pay(agent.token, to, "100");
      expect(r.status).toBe(404);
      expect(r.body.error.code).toBe("vendor_not_found");
    }
    expect((await agentRow(t, agent.id)).balance).toBe(10_000n);
    expect(await unsettledOf(t, vendor.id)).toBe(0n);
    expect(await transactionCount(t, agent.id)).toBe(0);
    await expectBalanced(t);
  });

  test("a service priced in another mint is refused (422 unsupported_mint)", async () => {
    const agent = await funded(10_000n);
    const vendor = await createUser(t, { profile: "vendor" });
    const service = await insertService(t, vendor.id, `sol-${vendor.id}`, { mint: "So11111111111111111111111111111111111111112" });
    const r = await pay(agent.token, service, "100");
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe("unsupported_mint");
    expect((await agentRow(t, agent.id)).balance).toBe(10_000n);
    await expectBalanced(t);
  });

  test("an agent cannot pay itself: its own id is no vendor (404), a service it owns is a 400 naming `to`", async () => {
    const agent = await funded(10_000n);
    expect((await pay(agent.token, agent.id, "100")).body.error.code).toBe("vendor_not_found");
    // services.vendor_id only references users: a row pointing at the agent itself can exist.
    const own = await insertService(t, agent.id, `self-${agent.id}`);
    const r = await pay(agent.token, own, "100");
    expect(r.status).toBe(400);
    expect(r.body.error.details.issues.map((i: { field: string }) => i.field)).toContain("to");
    expect((await agentRow(t, agent.id)).balance).toBe(10_000n);
    await expectBalanced(t);
  });

  test.each([["0"], ["-1"], ["1.5"], ["abc"], [""], ["01"], ["1e3"], [" 5"], ["12345678901234567890"]])(
    "400 for amount_atomic %p, naming the field",
    async (amount) => {
      const agent = await funded(10_000n);
      const vendor = await createUser(t, { profile: "vendor" });
      const r = await pay(agent.token, vendor.id, amount);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("invalid_request");
      expect(r.body.error.details.issues.map((i: { field: string }) => i.field)).toContain("amount_atomic");
      expect((await agentRow(t, agent.id)).balance).toBe(10_000n);
    },
  );

  test("400 for an amount sent as a JSON number, a missing `to`, a too long reference", async () => {
    const agent = await funded(10_000n);
    const vendor = await createUser(t, { profile: "vendor" });
    const asNumber = await post(t, "/v1/agent/pay", agent.token, { to: vendor.id.toString(), amount_atomic: 100 });
    expect(asNumber.status).toBe(400);
    expect((await post(t, "/v1/agent/pay", agent.token, { amount_atomic: "100" })).status).toBe(400);
    expect((await pay(agent.token, vendor.id, "100", { reference: "r".repeat(129) })).status).toBe(400);
    expect((await agentRow(t, agent.id)).balance).toBe(10_000n);
    await expectBalanced(t);
  });

  test("a NUL character in `to` or `reference` is a 400 naming it, and nothing is paid", async () => {
    const agent = await funded(10_000n);
    const vendor = await createUser(t, { profile: "vendor" });
    const inTo = await post(t, "/v1/agent/pay", agent.token, { to: `${vendor.id}\u0000`, amount_atomic: "100" });
    expect([inTo.status, inTo.body.error.details.issues[0].field]).toEqual([400, "to"]);
    const inReference = await pay(agent.token, vendor.id, "100", { reference: "order\u0000 1" });
    expect([inReference.status, inReference.body.error.details.issues[0].field]).toEqual([400, "reference"]);
    expect((await agentRow(t, agent.id)).balance).toBe(10_000n);
    await expectBalanced(t);
  });

  test("an amount beyond any balance is a 402; one beyond what the ledger holds (2^63 and up) is a 400", async () => {
    const agent = await funded(10_000n);
    const vendor = await createUser(t, { profile: "vendor" });
    const max = await pay(agent.token, vendor.id, "9223372036854775807");
    expect(max.status).toBe(402);
    expect(max.body.error.code).toBe("insufficient_funds");
    for (const amount of ["9223372036854775808", "9999999999999999999"]) {
      const r = await pay(agent.token, vendor.id, amount);
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("invalid_request");
      expect(r.body.error.details.issues[0].field).toBe("amount_atomic");
    }
    await expectBalanced(t);
  });
});

describe("settlement mode onchain", () => {
  test("an on-chain agent's API payment has no signed intent: it is paid from the available balance", async () => {
    const agent = await funded(20_000_000n);
    const vendor = await createUser(t, { profile: "vendor" });
    expect((await put(t, "/v1/agent/settings", agent.token, { settlement_mode: "onchain", low_balance_threshold_atomic: "0" })).status).toBe(200);
    expect((await post(t, "/v1/agent/bond/deposit", agent.token, { amount_atomic: "10000000" })).status).toBe(200);

    const r = await pay(agent.token, vendor.id, "1000000");
    expect(r.status).toBe(201);
    expect(r.body.transaction.intent_id).toBeNull();
    expect(r.body.balance).toMatchObject({ available_atomic: "9000000", bonded_atomic: "10000000", pending_atomic: "0" });
    expect(await agentRow(t, agent.id)).toMatchObject({ balance: 9_000_000n, bonded: 10_000_000n });
    expect(await unsettledOf(t, vendor.id)).toBe(975_000n);
    // Without the debit the vendor's credit would be money from nowhere.
    await expectBalanced(t);

    // The bond is not spendable: beyond the available balance is a 402 insufficient_funds.
    const broke = await pay(agent.token, vendor.id, "9000001");
    expect(broke.status).toBe(402);
    expect(broke.body.error.code).toBe("insufficient_funds");
    await expectBalanced(t);
  });
});
