import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { manualClock } from "@/core/clock";
import { encodeCursor } from "@/core/cursor";
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from "../support/app";
import { createUser, type TestUser } from "../support/fixtures";
import { agentRow, audit, createKey, expectBalanced, fund, get, post, put, unsettledOf } from "../support/ledger";

// The agent's accounts: bond, limits, settings, history (contract.md "Ledger"), and the audit.

const clock = manualClock(new Date("2030-06-30T23:50:00Z"));
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ PLATFORM_FEE_BPS: "0" }, { clock });
});
afterAll(() => t.close());

const MIN_BOND = 10_000_000n;
const pay = (agent: TestUser, to: TestUser, amount: bigint) =>
  post(t, "/v1/agent/pay", agent.token, { to: to.id.toString(), amount_atomic: amount.toString() });
const bond = (agent: TestUser, move: "deposit" | "withdraw", amount: bigint | string, headers: Record<string, string> = {}) =>
  post(t, `/v1/agent/bond/${move}`, agent.token, { amount_atomic: amount.toString() }, headers);

async function funded(amount: bigint) {
  const agent = await createUser(t, { profile: "agent" });
  if (amount > 0n) await fund(t, agent.id, amount);
  return agent;
}

describe("balance", () => {
  test("GET /v1/agent/balance: available, bonded, pending and the mint", async () => {
    const agent = await funded(12_345n);
    const r = await get(t, "/v1/agent/balance", agent.token);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ available_atomic: "12345", bonded_atomic: "0", pending_atomic: "0", token_mint: t.config.USDC_MINT });
    const vendor = await createUser(t, { profile: "vendor" });
    expect((await get(t, "/v1/agent/balance", vendor.token)).status).toBe(403);
  });
});

describe("bond", () => {
  test("deposit moves available into bonded; withdraw moves it back", async () => {
    const agent = await funded(50_000_000n);
    const d = await bond(agent, "deposit", MIN_BOND);
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({ available_atomic: "40000000", bonded_atomic: "10000000", pending_atomic: "0" });
    expect((await bond(agent, "deposit", 1n)).body.bonded_atomic).toBe("10000001");
    const w = await bond(agent, "withdraw", 10_000_001n);
    expect(w.status).toBe(200);
    expect(w.body).toMatchObject({ available_atomic: "50000000", bonded_atomic: "0" });
    expect(await agentRow(t, agent.id)).toMatchObject({ balance: 50_000_000n, bonded: 0n });
    await expectBalanced(t);
  });

  test("422 bond_below_minimum: a first deposit below MIN_BOND_ATOMIC, a withdrawal leaving 0 < bond < minimum", async () => {
    const agent = await funded(50_000_000n);
    const small = await bond(agent, "deposit", MIN_BOND - 1n);
    expect(small.status).toBe(422);
    expect(small.body.error).toMatchObject({ code: "bond_below_minimum", details: { min_bond_atomic: "10000000" } });
    expect((await bond(agent, "deposit", 15_000_000n)).status).toBe(200);
    const partial = await bond(agent, "withdraw", 5_000_001n);
    expect(partial.status).toBe(422);
    expect(partial.body.error.code).toBe("bond_below_minimum");
    // Leaving exactly the minimum is fine.
    expect((await bond(agent, "withdraw", 5_000_000n)).body.bonded_atomic).toBe("10000000");
    expect(await agentRow(t, agent.id)).toMatchObject({ balance: 40_000_000n, bonded: 10_000_000n });
    await expectBalanced(t);
  });

  test("402 when the deposit exceeds available or the withdrawal exceeds bonded; the bond is not spendable", async () => {
    const agent = await funded(12_000_000n);
    const vendor = await createUser(t, { profile: "vendor" });
    const tooMuch = await bond(agent, "deposit", 12_000_001n);
    expect(tooMuch.status).toBe(402);
    expect(tooMuch.body.error).toMatchObject({ code: "insufficient_funds", details: { available_atomic: "12000000" } });
    expect((await bond(agent, "deposit", 12_000_000n)).status).toBe(200);
    const over = await bond(agent, "withdraw", 12_000_001n);
    expect(over.status).toBe(402);
    expect(over.body.error.code).toBe("insufficient_bond");
    const r = await pay(agent, vendor, 1n);
    expect(r.status).toBe(402);
    expect(r.body.error.details.available_atomic).toBe("0");
    expect(await agentRow(t, agent.id)).toMatchObject({ balance: 0n, bonded: 12_000_000n });
    await expectBalanced(t);
  });

  test("400 for bad amounts; 403 for a vendor", async () => {
    const agent = await funded(50_000_000n);
    for (const amount of ["0", "-5", "1.5", "x", "99999999999999999999"]) {
      const r = await bond(agent, "deposit", amount);
      expect(r.status).toBe(400);
      expect(r.body.error.details.issues.map((i: { field: string }) => i.field)).toContain("amount_atomic");
    }
    const vendor = await createUser(t, { profile: "vendor" });
    expect((await bond(vendor, "deposit", MIN_BOND)).status).toBe(403);
    expect(await agentRow(t, agent.id)).toMatchObject({ balance: 50_000_000n, bonded: 0n });
    await expectBalanced(t);
  });
});

describe("limits", () => {
  const none = { per_payment_max_atomic: null, daily_max_atomic: null, allowed_vendor_ids: null };

  test("GET defaults to no limits; PUT replaces them and GET reads them back", async () => {
    const agent = await funded(0n);
    expect((await get(t, "/v1/agent/limits", agent.token)).body).toEqual(none);
    const limits = { per_payment_max_atomic: "1000", daily_max_atomic: "5000", allowed_vendor_ids: ["17", "42"] };
    const r = await put(t, "/v1/agent/limits", agent.token, limits);
    expect(r.status).toBe(200);
    expect(r.body).toEqual(limits);
    expect((await get(t, "/v1/agent/limits", agent.token)).body).toEqual(limits);
    expect((await put(t, "/v1/agent/limits", agent.token, none)).body).toEqual(none);
    expect((await get(t, "/v1/agent/limits", agent.token)).body).toEqual(none);
  });

  test("400 for malformed limits; a vendor and a read-only key cannot set them", async () => {
    const agent = await funded(0n);
    for (const body of [
      { ...none, per_payment_max_atomic: "-1" },
      { ...none, daily_max_atomic: "1.5" },
      { ...none, allowed_vendor_ids: ["abc"] },
      { per_payment_max_atomic: null, daily_max_atomic: null },
    ]) {
      expect((await put(t, "/v1/agent/limits", agent.token, body)).status).toBe(400);
    }
    const vendor = await createUser(t, { profile: "vendor" });
    expect((await put(t, "/v1/agent/limits", vendor.token, none)).status).toBe(403);
    const reader = await createKey(t, agent.token, "agent", ["read"]);
    expect((await put(t, "/v1/agent/limits", reader, { ...none, daily_max_atomic: "1" })).body.error.code).toBe("insufficient_permissions");
    expect((await get(t, "/v1/agent/limits", reader)).body).toEqual(none);
  });

  test("per_payment_max: the limit itself is allowed, one more unit is 403 limit_exceeded", async () => {
    const agent = await funded(100_000n);
    const vendor = await createUser(t, { profile: "vendor" });
    await put(t, "/v1/agent/limits", agent.token, { ...none, per_payment_max_atomic: "1000" });
    expect((await pay(agent, vendor, 1000n)).status).toBe(201);
    const r = await pay(agent, vendor, 1001n);
    expect(r.status).toBe(403);
    expect(r.body.error).toMatchObject({
      code: "limit_exceeded",
      details: { limit: "per_payment_max", per_payment_max_atomic: "1000", amount_atomic: "1001" },
    });
    expect((await agentRow(t, agent.id)).balance).toBe(99_000n);
    await expectBalanced(t);
  });

  test("allowed_vendor_ids: only the listed vendors can be paid", async () => {
    const agent = await funded(100_000n);
    const allowed = await createUser(t, { profile: "vendor" });
    const other = await createUser(t, { profile: "vendor" });
    await put(t, "/v1/agent/limits", agent.token, { ...none, allowed_vendor_ids: [allowed.id.toString()] });
    expect((await pay(agent, allowed, 10n)).status).toBe(201);
    const r = await pay(agent, other, 10n);
    expect(r.status).toBe(403);
    expect(r.body.error).toMatchObject({ code: "limit_exceeded", details: { limit: "allowed_vendor_ids", vendor_id: other.id.toString() } });
    // An empty list allows no one.
    await put(t, "/v1/agent/limits", agent.token, { ...none, allowed_vendor_ids: [] });
    expect((await pay(agent, allowed, 10n)).status).toBe(403);
    expect(await unsettledOf(t, other.id)).toBe(0n);
    expect((await agentRow(t, agent.id)).balance).toBe(99_990n);
    await expectBalanced(t);
  });

  test("daily_max counts the UTC day of the app clock: refused before midnight, allowed after it", async () => {
    clock.set(new Date("2030-06-30T23:58:00Z"));
    const agent = await funded(100_000n);
    const vendor = await createUser(t, { profile: "vendor" });
    await put(t, "/v1/agent/limits", agent.token, { ...none, daily_max_atomic: "5000" });
    expect((await pay(agent, vendor, 3000n)).status).toBe(201);
    expect((await pay(agent, vendor, 2000n)).status).toBe(201);
    const r = await pay(agent, vendor, 1n);
    expect(r.status).toBe(403);
    expect(r.body.error).toMatchObject({ code: "limit_exceeded", details: { limit: "daily_max", daily_max_atomic: "5000", spent_today_atomic: "5000" } });
    // Refused payments count for nothing.
    clock.set(new Date("2030-06-30T23:59:59.999Z"));
    expect((await pay(agent, vendor, 1n)).status).toBe(403);
    clock.set(new Date("2030-07-01T00:00:00Z"));
    expect((await pay(agent, vendor, 5000n)).status).toBe(201);
    expect((await pay(agent, vendor, 1n)).body.error.details.spent_today_atomic).toBe("5000");
    expect((await agentRow(t, agent.id)).balance).toBe(90_000n);
    const days = await t.sql`SELECT day::text AS day, spent_atomic FROM agent_daily_spend WHERE user_id = ${agent.id} ORDER BY day`;
    expect(days.map((d) => [d.day, d.spent_atomic])).toEqual([
      ["2030-06-30", 5000n],
      ["2030-07-01", 5000n],
    ]);
    await expectBalanced(t);
  });

  test("a limit of 0 refuses every payment", async () => {
    const agent = await funded(100_000n);
    const vendor = await createUser(t, { profile: "vendor" });
    await put(t, "/v1/agent/limits", agent.token, { ...none, per_payment_max_atomic: "0" });
    expect((await pay(agent, vendor, 1n)).status).toBe(403);
    await put(t, "/v1/agent/limits", agent.token, { ...none, daily_max_atomic: "0" });
    expect((await pay(agent, vendor, 1n)).status).toBe(403);
    expect((await agentRow(t, agent.id)).balance).toBe(100_000n);
    await expectBalanced(t);
  });
});

describe("settings", () => {
  test("GET defaults (ledger, 5 USDC threshold); PUT changes them; 400 for an unknown mode", async () => {
    const agent = await funded(0n);
    expect((await get(t, "/v1/agent/settings", agent.token)).body).toEqual({ settlement_mode: "ledger", low_balance_threshold_atomic: "5000000" });
    const next = { settlement_mode: "onchain", low_balance_threshold_atomic: "1000" };
    expect((await put(t, "/v1/agent/settings", agent.token, next)).body).toEqual(next);
    expect((await get(t, "/v1/agent/settings", agent.token)).body).toEqual(next);
    // Nothing pending: back to ledger is allowed.
    expect((await put(t, "/v1/agent/settings", agent.token, { ...next, settlement_mode: "ledger" })).status).toBe(200);
    expect((await put(t, "/v1/agent/settings", agent.token, { ...next, settlement_mode: "custodial" })).status).toBe(400);
    expect((await put(t, "/v1/agent/settings", agent.token, { ...next, low_balance_threshold_atomic: "-1" })).status).toBe(400);
    // Past what its column's int8 parameter holds: 400 naming the field, not PostgreSQL's "out of range".
    const huge = await put(t, "/v1/agent/settings", agent.token, { ...next, low_balance_threshold_atomic: "9223372036854775808" });
    expect(huge.status).toBe(400);
    expect(huge.body.error.details.issues[0].field).toBe("low_balance_threshold_atomic");
    const vendor = await createUser(t, { profile: "vendor" });
    expect((await get(t, "/v1/agent/settings", vendor.token)).status).toBe(403);
  });
});

describe("history", () => {
  type Page = { data: { id: string; from_agent_id: string; created_at: string }[]; next_cursor: string | null };

  async function readAll(agent: TestUser, limit: number) {
    const ids: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 100; i++) {
      const q: string = cursor ? `?limit=${limit}&cursor=${encodeURIComponent(cursor)}` : `?limit=${limit}`;
      const r = await get(t, "/v1/agent/transactions" + q, agent.token);
      expect(r.status).toBe(200);
      const page = r.body as Page;
      ids.push(...page.data.map((x) => x.id));
      sizes.push(page.data.length);
      for (const x of page.data) expect(x.from_agent_id).toBe(agent.id.toString());
      cursor = page.next_cursor;
      if (!cursor) break;
    }
    return { ids, sizes };
  }

  test("120 payments read 50 at a time: each exactly once, newest first, another agent's never", async () => {
    const agent = await funded(1_000_000n);
    const other = await funded(1_000_000n);
    const vendor = await createUser(t, { profile: "vendor" });
    const paid: string[] = [];
    // Half the payments share a timestamp (the clock stands still), so the id breaks the ties.
    for (let i = 0; i < 120; i++) {
      if (i % 2 === 0) clock.advance(1000);
      const r = await pay(agent, vendor, 1n);
      expect(r.status).toBe(201);
      paid.push(r.body.transaction.id);
      if (i % 10 === 0) expect((await pay(other, vendor, 1n)).status).toBe(201);
    }
    const { ids, sizes } = await readAll(agent, 50);
    expect(sizes).toEqual([50, 50, 20]);
    expect(new Set(ids).size).toBe(120);
    expect([...ids].sort()).toEqual([...paid].sort());
    // Newest first: the order of payment, reversed, within each second by id.
    const rows = await t.sql<{ id: string }[]>`SELECT id FROM transactions WHERE from_agent_id = ${agent.id} ORDER BY created_at DESC, id DESC`;
    expect(ids).toEqual(rows.map((r) => r.id));
    const full = await get(t, "/v1/agent/transactions?limit=200", agent.token);
    const times = (full.body as Page).data.map((x) => Date.parse(x.created_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect((await readAll(other, 5)).ids.length).toBe(12);
    await expectBalanced(t);
  });

  test("default page size 50; a page ending exactly at the last row has next_cursor null or an empty next page", async () => {
    const agent = await funded(1_000_000n);
    const vendor = await createUser(t, { profile: "vendor" });
    for (let i = 0; i < 4; i++) expect((await pay(agent, vendor, 1n)).status).toBe(201);
    const first = await get(t, "/v1/agent/transactions", agent.token);
    expect(first.body.data.length).toBe(4);
    expect(first.body.next_cursor).toBeNull();
    const { ids, sizes } = await readAll(agent, 2);
    expect(ids.length).toBe(4);
    expect(sizes.filter((s) => s > 0)).toEqual([2, 2]);
    const empty = await funded(0n);
    expect((await get(t, "/v1/agent/transactions", empty.token)).body).toEqual({ data: [], next_cursor: null });
  });

  test("400 naming cursor for a garbage cursor or one with a bad time; 400 for a limit out of range", async () => {
    const agent = await funded(0n);
    for (const cursor of ["garbage", "!!!", encodeCursor({ t: "not a time", id: "tx_1" }), encodeCursor({ id: "tx_1" } as Record<string, string>)]) {
      const r = await get(t, `/v1/agent/transactions?cursor=${encodeURIComponent(cursor)}`, agent.token);
      expect(r.status).toBe(400);
      expect(r.body.error.details.issues.map((i: { field: string }) => i.field)).toContain("cursor");
    }
    for (const limit of ["0", "201", "x"]) {
      const r = await get(t, `/v1/agent/transactions?limit=${limit}`, agent.token);
      expect(r.status).toBe(400);
      expect(r.body.error.details.issues.map((i: { field: string }) => i.field)).toContain("limit");
    }
  });

  // Found by the fuzzer (test/contract/fuzz.test.ts): a decoded and re-encoded cursor whose time
  // JavaScript parses but PostgreSQL cannot hold, or with a NUL, answered 500.
  test("400, not 500, for a forged cursor: a time outside PostgreSQL's range or NUL in a member", async () => {
    const agent = await funded(0n);
    const at = "2030-01-01T00:00:00.000Z";
    const forged = [
      { t: "0000-01-01T00:00:00.000Z", id: "tx_1" },
      { t: "-271821-04-20T00:00:00.000Z", id: "tx_1" },
      { t: "+275760-09-13T00:00:00.000Z", id: "tx_1" },
      { t: "2030-01-01", id: "tx_1" },
      { t: at, id: "tx_\u0000" },
      { t: `${at}\u0000`, id: "tx_1" },
    ];
    for (const cursor of forged.map((c) => encodeCursor(c))) {
      const r = await get(t, `/v1/agent/transactions?cursor=${encodeURIComponent(cursor)}`, agent.token);
      expect({ status: r.status, code: r.body.error?.code }).toEqual({ status: 400, code: "invalid_request" });
    }
    expect((await get(t, `/v1/agent/transactions?cursor=${encodeCursor({ t: at, id: "tx_1" })}`, agent.token)).status).toBe(200);
  });

  test("a limit past int8 or not an integer: 400 naming limit", async () => {
    const agent = await funded(0n);
    for (const limit of ["9223372036854775808", "-1", "1.5"]) {
      const r = await get(t, `/v1/agent/transactions?limit=${limit}`, agent.token);
      expect(r.status).toBe(400);
      expect(r.body.error.details.issues.map((i: { field: string }) => i.field)).toContain("limit");
    }
  });
});

describe("the audit (GET /v1/admin/ledger/audit)", () => {
  test("needs the admin token", async () => {
    const user = await createUser(t, { profile: "agent" });
    for (const headers of [
      {},
      { authorization: "Bearer wrong-token" },
      { authorization: `Bearer ${user.token}` },
      { authorization: `Bearer ${TEST_ADMIN_TOKEN}x` },
    ]) {
      const res = await fetch(t.url + "/v1/admin/ledger/audit", { headers });
      expect(res.status).toBe(401);
      await res.body?.cancel();
    }
  });

  test("adds up deposits against holdings, fees included", async () => {
    const before = await expectBalanced(t);
    const agent = await funded(7_000_000n);
    const vendor = await createUser(t, { profile: "vendor" });
    expect((await pay(agent, vendor, 2_000_000n)).status).toBe(201);
    const after = await expectBalanced(t);
    const delta = (path: (r: any) => string) => BigInt(path(after)) - BigInt(path(before));
    expect(delta((r) => r.mints[0].inflows.deposits_atomic)).toBe(7_000_000n);
    expect(delta((r) => r.mints[0].holdings.agent_available_atomic)).toBe(5_000_000n);
    expect(delta((r) => r.mints[0].holdings.vendor_unsettled_atomic)).toBe(2_000_000n);
    expect(after.mints[0].token_mint).toBe(t.config.USDC_MINT);
  });
});

describe("the audit detects what is wrong", () => {
  // Its own app and database: these tests break the identity on purpose.
  let broken: TestApp;
  beforeAll(async () => {
    broken = await startTestApp();
  });
  afterAll(() => broken.close());

  test("money that no deposit brought in, and money that vanished", async () => {
    const agent = await createUser(broken, { profile: "agent" });
    await fund(broken, agent.id, 1000n);
    await expectBalanced(broken);
    await broken.sql`UPDATE agent_accounts SET balance_atomic = balance_atomic + 5 WHERE user_id = ${agent.id}`;
    let report = await audit(broken);
    expect(report).toMatchObject({ ok: false, negative_balances: 0 });
    expect(report.mints[0]).toMatchObject({ balanced: false, difference_atomic: "-5" });
    await broken.sql`UPDATE agent_accounts SET balance_atomic = balance_atomic - 12 WHERE user_id = ${agent.id}`;
    report = await audit(broken);
    expect(report.mints[0].difference_atomic).toBe("7");
    expect(report.ok).toBe(false);
  });

  test("counts negative balances", async () => {
    const vendor = await createUser(broken, { profile: "vendor" });
    await broken.sql`ALTER TABLE vendor_accounts DROP CONSTRAINT vendor_accounts_unsettled_balance_atomic_check`;
    await broken.sql`UPDATE vendor_accounts SET unsettled_balance_atomic = -1 WHERE user_id = ${vendor.id}`;
    const report = await audit(broken);
    expect(report.negative_balances).toBe(1);
    expect(report.ok).toBe(false);
  });
});
