import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { startTestApp, type TestApp } from "../support/app";
import { createUser } from "../support/fixtures";
import { agentRow, expectBalanced, get, post, put, transactionCount } from "../support/ledger";
import { connectMcp, fundedAgent, marketplace, refusalOf, type McpCredential, type TestAgent } from "../support/mcp";
import { deviceHeader, linkedDevice } from "../support/pairing";

// The agent's account over MCP (Streamable HTTP), with the SDK's own Client: the same verbs and
// rules as the REST routes, credentials from the HTTP request. Money moves exactly once, and
// every refusal leaves every balance as it was.

const VAULT = { VAULT_TOKEN_ACCOUNT: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin", VAULT_OWNER: "7EYnhQoR9YM3N7UoaKRoA44Uy8JeaZV3qyouov87awMs" };

let t: TestApp;
const clients: Client[] = [];

beforeAll(async () => {
  t = await startTestApp(VAULT);
  await marketplace(t);
});
afterAll(async () => {
  for (const c of clients) await c.close();
  await t.close();
});

async function mcp(credential?: McpCredential) {
  const client = await connectMcp(t, credential);
  clients.push(client);
  return {
    call: async (name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult,
    ok: async (name: string, args: Record<string, unknown> = {}) => {
      const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
      expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
      return result.structuredContent as any;
    },
  };
}

/** The agent's balance and payment count, as the database holds them: what refusals must leave alone. */
const moneyOf = async (agent: TestAgent) => ({ ...(await agentRow(t, agent.id)), payments: await transactionCount(t, agent.id) });

describe("account tools", () => {
  test("get_balance, get_limits and list_transactions answer what their REST twins answer", async () => {
    const agent = await fundedAgent(t, 2_500_000n);
    const { ok } = await mcp(agent.key);
    expect(await ok("get_balance")).toEqual({ ...(await get(t, "/v1/agent/balance", agent.key)).body, available_usdc: "2.5", bonded_usdc: "0", pending_usdc: "0" });
    await put(t, "/v1/agent/limits", agent.token, { per_payment_max_atomic: "1000000", daily_max_atomic: null, allowed_vendor_ids: null });
    expect(await ok("get_limits")).toEqual({ per_payment_max_atomic: "1000000", per_payment_max_usdc: "1", daily_max_atomic: null, daily_max_usdc: null, allowed_vendor_ids: null });

    for (const reference of ["a", "b", "c"]) await ok("pay", { to: "weather-pro", amount_atomic: "4000", reference });
    const first = await ok("list_transactions", { limit: 2 });
    const rest = (await get(t, "/v1/agent/transactions?limit=2", agent.key)).body;
    expect(first.transactions.map((x: { id: string }) => x.id)).toEqual(rest.data.map((x: { id: string }) => x.id));
    expect(first.transactions[0]).toMatchObject({ reference: "c", amount_atomic: "4000", amount_usdc: "0.004", service_id: "weather-pro" });
    const second = await ok("list_transactions", { limit: 2, cursor: first.next_cursor });
    expect(second.transactions.map((x: { reference: string }) => x.reference)).toEqual(["a"]);
    expect(second.next_cursor).toBeNull();
  });

  test("deposit_address: the vault, the mint and the memo naming this agent", async () => {
    const agent = await fundedAgent(t, 0n);
    const { ok } = await mcp(agent.key);
    expect(await ok("deposit_address")).toEqual({ vault_token_account: VAULT.VAULT_TOKEN_ACCOUNT, vault_owner: VAULT.VAULT_OWNER, token_mint: t.config.USDC_MINT, decimals: 6, memo: `machpay:${agent.id}` });
  });
});

describe("pay", () => {
  test("pays a service in USDC; retried under its idempotency_key the balance moves exactly once", async () => {
    const agent = await fundedAgent(t, 1_000_000n);
    const { ok } = await mcp(agent.key);
    const args = { to: "llm-standard", amount_usdc: "0.009", idempotency_key: "job-42", reference: "job 42" };
    const paid = await ok("pay", args);
    expect(paid.replayed).toBe(false);
    expect(paid.transaction).toMatchObject({ service_id: "llm-standard", amount_atomic: "9000", amount_usdc: "0.009", reference: "job 42", status: "confirmed" });
    expect(paid.balance).toMatchObject({ available_atomic: "991000", available_usdc: "0.991" });

    // A retry, over a new connection as after a crash: the first payment, replayed.
    const retry = await (await mcp(agent.key)).ok("pay", args);
    expect(retry).toEqual({ ...paid, replayed: true });
    expect(await moneyOf(agent)).toMatchObject({ balance: 991_000n, payments: 1 });
    await expectBalanced(t);
  });

  test("one key names one payment over REST and MCP alike: either retry replays the other", async () => {
    const agent = await fundedAgent(t, 1_000_000n);
    const rest = await post(t, "/v1/agent/pay", agent.key, { to: "weather-pro", amount_atomic: "4000" }, { "idempotency-key": "cross-1" });
    expect(rest.status).toBe(201);
    const { ok, call } = await mcp(agent.key);
    const replay = await ok("pay", { to: "weather-pro", amount_usdc: "0.004", idempotency_key: "cross-1" });
    expect(replay.replayed).toBe(true);
    expect(replay.transaction.id).toBe(rest.body.transaction.id);

    const viaMcp = await ok("pay", { to: "weather-pro", amount_atomic: "4000", reference: "r", idempotency_key: "cross-2" });
    const again = await post(t, "/v1/agent/pay", agent.key, { to: "weather-pro", amount_atomic: "4000", reference: "r" }, { "idempotency-key": "cross-2" });
    expect(again.status).toBe(201);
    expect(again.res.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body.transaction.id).toBe(viaMcp.transaction.id);

    // The same key for another payment: refused, as REST refuses it (409 idempotency_conflict).
    expect(refusalOf(await call("pay", { to: "weather-pro", amount_atomic: "5000", idempotency_key: "cross-2" })).code).toBe("idempotency_conflict");
    expect(await moneyOf(agent)).toMatchObject({ balance: 992_000n, payments: 2 });
    await expectBalanced(t);
  });

  test("the agent's limits and balance are honoured; a refusal moves nothing and a retry replays it", async () => {
    const agent = await fundedAgent(t, 10_000n);
    await put(t, "/v1/agent/limits", agent.token, { per_payment_max_atomic: "5000", daily_max_atomic: null, allowed_vendor_ids: null });
    const { call } = await mcp(agent.key);
    const before = await moneyOf(agent);
    const over = refusalOf(await call("pay", { to: "llm-standard", amount_atomic: "9000", idempotency_key: "over" }));
    expect(over.code).toBe("limit_exceeded");
    // A retry is answered with the first refusal, under the first request's id.
    const overAgain = refusalOf(await call("pay", { to: "llm-standard", amount_atomic: "9000", idempotency_key: "over" }));
    expect(overAgain).toEqual(over);
    await put(t, "/v1/agent/limits", agent.token, { per_payment_max_atomic: null, daily_max_atomic: null, allowed_vendor_ids: null });
    expect(refusalOf(await call("pay", { to: "llm-standard", amount_usdc: "1" })).code).toBe("insufficient_funds");
    expect(refusalOf(await call("pay", { to: "no-such-service", amount_atomic: "1" })).code).toBe("vendor_not_found");
    expect(refusalOf(await call("pay", { to: String(agent.id), amount_atomic: "1" })).code).toBe("vendor_not_found");
    expect(await moneyOf(agent)).toEqual(before);
  });

  test("a suspended agent pays nothing (403 agent_suspended, as on REST)", async () => {
    const agent = await fundedAgent(t, 100_000n);
    const { call } = await mcp(agent.key);
    await t.sql`UPDATE users SET status = 'SUSPENDED' WHERE id = ${agent.id}`;
    expect(refusalOf(await call("pay", { to: "weather-pro", amount_atomic: "4000" })).code).toBe("agent_suspended");
    expect(await moneyOf(agent)).toMatchObject({ balance: 100_000n, payments: 0 });
  });
});

describe("who may call", () => {
  test("a read-only key reads but cannot pay: insufficient_permissions, as REST answers it, nothing moved", async () => {
    const agent = await fundedAgent(t, 100_000n);
    const { ok, call } = await mcp(agent.readKey);
    expect((await ok("get_balance")).available_atomic).toBe("100000");
    const refused = refusalOf(await call("pay", { to: "weather-pro", amount_atomic: "4000", idempotency_key: "ro" }));
    expect(refused.code).toBe("insufficient_permissions");
    expect((await post(t, "/v1/agent/pay", agent.readKey, { to: "weather-pro", amount_atomic: "4000" })).body.error.code).toBe("insufficient_permissions");
    expect(await moneyOf(agent)).toMatchObject({ balance: 100_000n, payments: 0 });
  });

  test("a linked agent device key signs each request: it reads, and a payment is refused (device keys read only)", async () => {
    const agent = await fundedAgent(t, 50_000n);
    const device = await linkedDevice(t, agent.token, "agent");
    const { ok, call } = await mcp((method, url) => deviceHeader(t, device, method, new URL(url).pathname));
    expect((await ok("get_balance")).available_atomic).toBe("50000");
    expect(refusalOf(await call("pay", { to: "weather-pro", amount_atomic: "4000" })).code).toBe("insufficient_permissions");
    expect(await moneyOf(agent)).toMatchObject({ balance: 50_000n, payments: 0 });
  });

  test("no credential, a bad one, or one of a vendor: the account tools refuse with REST's codes", async () => {
    const anonymous = await mcp();
    expect(refusalOf(await anonymous.call("get_balance")).code).toBe("unauthorized");
    expect(refusalOf(await anonymous.call("pay", { to: "weather-pro", amount_atomic: "1" })).code).toBe("unauthorized");
    const forged = await mcp("mp_sk_live_" + "A".repeat(32));
    expect(refusalOf(await forged.call("list_transactions")).code).toBe("invalid_api_key");
    const expired = await mcp("eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxIn0.c2ln");
    expect(refusalOf(await expired.call("get_limits")).code).toBe("invalid_token");
    const vendor = await createUser(t, { profile: "vendor" });
    const asVendor = await mcp(vendor.token);
    const refused = refusalOf(await asVendor.call("get_balance"));
    expect(refused.code).toBe("architect_role_required");
    expect(refused.details).toEqual({ required_role: "architect", your_role: "operator" });
  });

  test("another user's data is out of reach: each agent sees its own payments and balance, whatever cursor it sends", async () => {
    const alice = await fundedAgent(t, 100_000n);
    const bob = await fundedAgent(t, 100_000n);
    const asAlice = await mcp(alice.key);
    const asBob = await mcp(bob.key);
    await asAlice.ok("pay", { to: "weather-pro", amount_atomic: "4000", reference: "alice-1" });
    await asAlice.ok("pay", { to: "weather-pro", amount_atomic: "4000", reference: "alice-2" });
    const alicePage = await asAlice.ok("list_transactions", { limit: 1 });
    expect(alicePage.transactions[0].from_agent_id).toBe(String(alice.id));
    expect((await asBob.ok("list_transactions")).transactions).toEqual([]);
    // Alice's cursor in Bob's hands pages through Bob's payments (none), never Alice's.
    expect((await asBob.ok("list_transactions", { cursor: alicePage.next_cursor })).transactions).toEqual([]);
    expect((await asBob.ok("get_balance")).available_atomic).toBe("100000");
    expect((await asBob.ok("deposit_address")).memo).toBe(`machpay:${bob.id}`);
  });
});

describe("malformed arguments", () => {
  test("are refused before anything runs: a tool error naming the argument (MCP 2025-11-25: the model can correct it), nothing moved", async () => {
    const agent = await fundedAgent(t, 100_000n);
    const { call } = await mcp(agent.key);
    const before = await moneyOf(agent);
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ to: "weather-pro" }, /exactly one of amount_usdc or amount_atomic/],
      [{ to: "weather-pro", amount_usdc: "0.004", amount_atomic: "4000" }, /exactly one of amount_usdc or amount_atomic/],
      [{ to: "weather-pro", amount_atomic: "-5" }, /amount_atomic/],
      [{ to: "weather-pro", amount_atomic: "9223372036854775808" }, /amount_atomic/],
      [{ to: "weather-pro", amount_atomic: 4000 }, /amount_atomic/],
      [{ to: "weather-pro", amount_usdc: "1e3" }, /amount_usdc/],
      [{ to: "weather-pro", amount_atomic: "4000", idempotency_key: "has space" }, /idempotency_key/],
      [{ to: "weather-pro", amount_atomic: "4000", amount: "4000" }, /amount/],
      [{ amount_atomic: "4000" }, /to/],
    ];
    for (const [args, why] of cases) {
      const result = await call("pay", args);
      expect(result.isError, JSON.stringify(args)).toBe(true);
      expect((result.content[0] as { text: string }).text).toMatch(why);
      // The envelope REST answers a bad body with, the argument in place of the field.
      const refusal = refusalOf(result);
      expect(refusal.code, JSON.stringify(args)).toBe("invalid_request");
      expect((refusal.details?.issues as { location: string }[])[0]!.location).toBe("arguments");
      expect(refusal.message).toMatch(why);
      expect(typeof refusal.request_id).toBe("string");
    }
    const missing = refusalOf(await call("pay", { amount_atomic: "4000" }));
    expect(missing.details?.issues).toEqual([expect.objectContaining({ field: "to", location: "arguments" })]);
    // Within the schema but more decimals than USDC has: refused with the envelope, never rounded.
    const precise = refusalOf(await call("pay", { to: "weather-pro", amount_usdc: "0.0040001" }));
    expect(precise).toMatchObject({ code: "invalid_request", details: { issues: [{ field: "amount_usdc", location: "arguments" }] } });
    expect(refusalOf(await call("pay", { to: "weather-pro", amount_usdc: "0" })).code).toBe("invalid_request");
    expect(refusalOf(await call("list_transactions", { cursor: "not-a-cursor" })).code).toBe("invalid_request");
    expect(await moneyOf(agent)).toEqual(before);
  });
});
