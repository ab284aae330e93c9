import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/app";
import { chainEnv } from "../support/chain";
import { createUser } from "../support/fixtures";
import { createKey, expectBalanced, fund } from "../support/ledger";
import { startTestLocalnet, type TestLocalnet } from "../support/localnet";
import { removeTempDirs, runCli, tempHome, type CliResult } from "./run";

// The CLI's account commands end to end, as a subprocess against the real app and the local chain:
// login --wallet, register, deposit (faucet, real SPL transfer, claim), pay, transactions, search,
// and the vendor's endpoints, stats and payout. Each with --json, and the refusals a person meets.

let t: TestApp;
let ln: TestLocalnet;
beforeAll(async () => {
  ln = await startTestLocalnet({ slotMs: 50 });
  t = await startTestApp(chainEnv(ln));
});
afterAll(async () => {
  await t.close();
  await ln.close();
  removeTempDirs();
});

const cli = (home: string, args: string[], extra: Record<string, string> = {}) =>
  runCli(args, { home, apiUrl: t.url, extra: { MACHPAY_SOLANA_RPC: ln.url, ...extra } });

function json(run: CliResult) {
  if (run.code !== 0) throw new Error(`exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** A person signed in with a new wallet and registered as `kind`. */
async function persona(kind: "agent" | "vendor") {
  const home = tempHome();
  const login = json(await cli(home, ["login", "--wallet", "--json"]));
  expect(login.role).toBe("observer");
  json(await cli(home, [kind, "register", `CLI ${kind}`, "--json"]));
  return { home, userId: BigInt(login.user_id as string), wallet: login.wallet as string };
}

async function vendorWithEndpoint(id: string, price = "0.01") {
  const vendor = await persona("vendor");
  const added = json(await cli(vendor.home, ["vendor", "endpoints", "add", `Endpoint ${id}`, "--id", id, "--price", price, "--url", "https://gw.example.test", "--json"]));
  expect(added.endpoint).toMatchObject({ id, price_atomic: usdcAtomic(price), is_active: true });
  return vendor;
}

const usdcAtomic = (usdc: string) => String(Math.round(Number(usdc) * 1e6));

describe("machpay agent deposit", () => {
  test("on the local chain: faucet, a real transfer to the vault, its confirmations, then the claim; --tx again credits nothing more", async () => {
    const agent = await persona("agent");
    const run = await cli(agent.home, ["agent", "deposit", "2.5", "--json"]);
    const result = json(run);
    expect(result).toMatchObject({ status: "credited", amount_atomic: "2500000", balance: { available_atomic: "2500000" } });
    expect(run.stderr).toContain("Sent 2.5 USDC to the vault");
    expect(run.stderr).toMatch(/^  finalized$/m); // the chain moves a slot every 50 ms: earlier states may pass unseen
    const again = json(await cli(agent.home, ["agent", "deposit", "--tx", result.tx_signature, "--json"]));
    expect(again).toMatchObject({ status: "already_credited", balance: { available_atomic: "2500000" } });
    await expectBalanced(t);
  }, 60_000);

  test("a chain without the faucet: says it is not the local chain and how to deposit there", async () => {
    const rpc = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: async (req) => Response.json({ jsonrpc: "2.0", id: ((await req.json()) as { id: number }).id, error: { code: -32601, message: "Method not found" } }),
    });
    try {
      const agent = await persona("agent");
      const run = await cli(agent.home, ["agent", "deposit", "1", "--rpc", `http://127.0.0.1:${rpc.port}`, "--json"]);
      expect(run.code).toBe(1);
      expect(JSON.parse(run.stdout).error.code).toBe("not_local_chain");
      expect(run.stderr).toContain("machpay agent deposit --tx <signature>");
    } finally {
      rpc.stop(true);
    }
  });

  test("a signature that is not a deposit: the API's message and code", async () => {
    const agent = await persona("agent");
    const run = await cli(agent.home, ["agent", "deposit", "--tx", "1111111111111111111111111111111111111111111111111111111111111111"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: .+ \((transaction_not_found|invalid_request)\)\n$/);
  }, 30_000);
});

describe("machpay pay and agent transactions", () => {
  test("pays a service by id, once per Idempotency-Key, and lists it", async () => {
    await vendorWithEndpoint("cli-pay-weather");
    const agent = await persona("agent");
    await fund(t, agent.userId, 1_000_000n);
    const paid = await cli(agent.home, ["pay", "cli-pay-weather", "0.25", "--idempotency-key", "cli-retry-1", "--json"]);
    const first = json(paid);
    expect(paid.stderr).toContain("Idempotency-Key: cli-retry-1");
    expect(first).toMatchObject({ transaction: { service_id: "cli-pay-weather", amount_atomic: "250000", status: "confirmed" }, balance: { available_atomic: "750000" } });
    const retried = json(await cli(agent.home, ["pay", "cli-pay-weather", "0.25", "--idempotency-key", "cli-retry-1", "--json"]));
    expect(retried.transaction.id).toBe(first.transaction.id);
    const text = await cli(agent.home, ["pay", "cli-pay-weather", "0.01"]);
    expect(text.stdout).toMatch(/^Paid 0\.01 USDC to cli-pay-weather: tx_\w+ \(confirmed\)\nAvailable: 0\.74 USDC\n$/);
    const listed = json(await cli(agent.home, ["agent", "transactions", "--json"]));
    expect(listed.transactions.map((tx: { amount_atomic: string }) => tx.amount_atomic)).toEqual(["10000", "250000"]);
    await expectBalanced(t);
  }, 30_000);

  test("refusals: more than the balance, a bad amount, no sign-in, an unknown payee", async () => {
    await vendorWithEndpoint("cli-pay-dear", "5");
    const agent = await persona("agent");
    const broke = await cli(agent.home, ["pay", "cli-pay-dear", "5", "--json"]);
    expect(broke.code).toBe(1);
    expect(JSON.parse(broke.stdout).error).toMatchObject({ code: "insufficient_funds", request_id: expect.stringMatching(/^req_/) });
    expect(broke.stderr).toMatch(/^Idempotency-Key: .+\nerror: .+ \(insufficient_funds\)\n$/);
    const bad = await cli(agent.home, ["pay", "cli-pay-dear", "0.0000001"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("more than 6 decimals");
    const nobody = await cli(tempHome(), ["pay", "cli-pay-dear", "1"]);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain("not signed in: run `machpay login`");
    const missing = await cli(agent.home, ["pay", "no-such-service", "1", "--json"]);
    expect(JSON.parse(missing.stdout).error.code).toBe("vendor_not_found");
  }, 30_000);

  test("MACHPAY_API_KEY wins over the login token", async () => {
    await vendorWithEndpoint("cli-pay-key");
    const owner = await createUser(t, { profile: "agent" });
    await fund(t, owner.id, 100_000n);
    const key = await createKey(t, owner.token, "agent");
    const paid = json(await cli(tempHome(), ["pay", "cli-pay-key", "0.05", "--json"], { MACHPAY_API_KEY: key }));
    expect(paid.transaction.from_agent_id).toBe(String(owner.id));
  });
});

describe("machpay services search", () => {
  test("finds a listed endpoint without signing in; an empty query is a usage error", async () => {
    await vendorWithEndpoint("cli-search-tide-tables");
    const found = json(await cli(tempHome(), ["services", "search", "Endpoint cli-search-tide-tables", "--json"]));
    expect(found.services.map((s: { id: string }) => s.id)).toContain("cli-search-tide-tables");
    const empty = await cli(tempHome(), ["services", "search", " "]);
    expect(empty.code).toBe(2);
  });
});

describe("machpay vendor", () => {
  test("endpoints list, stats and a payout of what was earned; a payout beyond it is refused with its code", async () => {
    const vendor = await vendorWithEndpoint("cli-vendor-earns");
    const listed = json(await cli(vendor.home, ["vendor", "endpoints", "list", "--json"]));
    expect(listed.endpoints.map((e: { id: string }) => e.id)).toEqual(["cli-vendor-earns"]);
    const agent = await persona("agent");
    await fund(t, agent.userId, 1_000_000n);
    json(await cli(agent.home, ["pay", "cli-vendor-earns", "0.5", "--json"]));
    const stats = json(await cli(vendor.home, ["vendor", "stats", "--json"]));
    expect(stats.stats.payment_count).toBe(1);
    const earned = BigInt(stats.stats.unsettled_atomic);
    expect(earned).toBeGreaterThan(0n);
    const text = await cli(vendor.home, ["vendor", "stats"]);
    expect(text.stdout).toContain("from 1 payment\n");
    const payout = json(await cli(vendor.home, ["vendor", "payout", "0.1", "--reference", "cli-payout-1", "--json"]));
    expect(payout.payout).toMatchObject({ amount_atomic: "100000", reference: "cli-payout-1", destinationWallet: vendor.wallet });
    const again = json(await cli(vendor.home, ["vendor", "payout", "0.1", "--reference", "cli-payout-1", "--json"]));
    expect(again.payout.id).toBe(payout.payout.id);
    const tooMuch = await cli(vendor.home, ["vendor", "payout", "1000", "--json"]);
    expect(tooMuch.code).toBe(1);
    expect(JSON.parse(tooMuch.stdout).error.code).toMatch(/insufficient/);
    await expectBalanced(t);
  }, 30_000);

  test("an agent is not a vendor: the API's refusal, and registering twice as the other kind is explained", async () => {
    const agent = await persona("agent");
    const stats = await cli(agent.home, ["vendor", "stats", "--json"]);
    expect(stats.code).toBe(1);
    expect(JSON.parse(stats.stdout).error.code).toBe("operator_role_required");
    const again = await cli(agent.home, ["agent", "register", "Again", "--json"]);
    expect(json(again).already_registered).toBe(true);
    const other = await cli(agent.home, ["vendor", "register", "Other"]);
    expect(other.stderr).toContain("already has a agent profile");
  });
});
