import { expect } from "bun:test";
import { createHmac } from "node:crypto";
import { creditDeposit, encodeIntent, type PaymentRequest } from "@/ledger";
import { base58Bytes } from "@/core/solana";
import { unixSeconds } from "@/core/clock";
import { TEST_ADMIN_TOKEN, TEST_RECON_SECRET, type TestApp } from "./app";
import { createUser, type TestUser } from "./fixtures";
import { json } from "./http";
import { linkedDevice } from "./pairing";
import type { TestWallet } from "./solana-keys";

/** Credits an internal deposit (the chain issue's deposits arrive through the same function). */
export async function fund(t: TestApp, userId: bigint, amount: bigint) {
  const credited = await creditDeposit({ sql: t.sql }, { userId, amount, mint: t.config.USDC_MINT, txSignature: null, source: "internal" });
  if (!credited) throw new Error("fund: not credited");
  return credited.balance;
}

export async function audit(t: TestApp) {
  const res = await fetch(t.url + "/v1/admin/ledger/audit", { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
  expect(res.status).toBe(200);
  return json(res);
}

/** The conservation identity holds and no balance is negative: run after every money test. */
export async function expectBalanced(t: TestApp) {
  const report = await audit(t);
  expect(report.mints[0].difference_atomic).toBe("0");
  expect(report.negative_balances).toBe(0);
  expect(report.ok).toBe(true);
  return report;
}

/** A signed 121-byte intent, as an agent SDK builds it, base64 for the gateway request. */
export async function signIntent(
  t: TestApp,
  agent: TestWallet,
  gatewayPubkey: string,
  amount: bigint,
  nonce: bigint,
  options: { mint?: string; deadline?: bigint } = {},
) {
  const bytes = encodeIntent({
    agent: base58Bytes(agent.address),
    gateway: base58Bytes(gatewayPubkey),
    mint: base58Bytes(options.mint ?? t.config.USDC_MINT),
    amount,
    nonce,
    deadline: options.deadline ?? BigInt(unixSeconds(t.deps.clock.now()) + 60),
  });
  const signature = await agent.sign(bytes);
  const { toBase58 } = await import("./solana-keys");
  return { intent: Buffer.from(bytes).toString("base64"), signature: toBase58(signature) };
}

export async function post(t: TestApp, path: string, token: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(t.url + path, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify(body),
  });
  return { res, status: res.status, body: await json(res) };
}

// ---- Further helpers for the ledger suites (test/ledger/*). ----

export async function get(t: TestApp, path: string, token: string) {
  const res = await fetch(t.url + path, { headers: { authorization: `Bearer ${token}` } });
  return { res, status: res.status, body: await json(res) };
}

export async function put(t: TestApp, path: string, token: string, body: unknown) {
  const res = await fetch(t.url + path, {
    method: "PUT",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { res, status: res.status, body: await json(res) };
}

/** An API key through the public route: "agent" (mp_sk_, as an architect) or "gateway" (mp_gk_, as an operator). */
export async function createKey(t: TestApp, ownerToken: string, kind: "agent" | "gateway", permissions: ("read" | "write")[] = ["read", "write"]) {
  const r = await post(t, kind === "agent" ? "/v1/agent/keys" : "/v1/vendor/keys", ownerToken, { name: `${kind} key`, permissions });
  if (r.status !== 201) throw new Error(`createKey: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.key as string;
}

/** What the database holds for an agent (the truth the answers must match): its account, and its user's status. */
export async function agentRow(t: TestApp, userId: bigint) {
  const [row] = await t.sql<{ balance: bigint; bonded: bigint; status: string }[]>`
    SELECT COALESCE(a.balance_atomic, 0) AS balance, COALESCE(a.bonded_atomic, 0) AS bonded, u.status
    FROM users u LEFT JOIN agent_accounts a ON a.user_id = u.id
    WHERE u.id = ${userId}`;
  if (!row) throw new Error(`agentRow: no user ${userId}`);
  return row;
}

export async function unsettledOf(t: TestApp, vendorId: bigint): Promise<bigint> {
  return (await vendorRow(t, vendorId)).unsettled;
}

export async function feesHeld(t: TestApp): Promise<bigint> {
  const [row] = await t.sql<{ fees: bigint }[]>`SELECT COALESCE(sum(fees_atomic), 0)::numeric(20,0) AS fees FROM platform_accounts`;
  return row!.fees;
}

export async function transactionCount(t: TestApp, agentId: bigint): Promise<number> {
  const [row] = await t.sql<{ n: bigint }[]>`SELECT count(*) AS n FROM transactions WHERE from_agent_id = ${agentId}`;
  return Number(row!.n);
}

/** A services row (the registry's routes are another issue): active unless told otherwise. */
export async function insertService(t: TestApp, vendorId: bigint, id: string, options: { active?: boolean; mint?: string } = {}) {
  await t.sql`
    INSERT INTO services (id, vendor_id, name, gateway_url, price_atomic, token_mint, service_type, is_active)
    VALUES (${id}, ${vendorId}, ${"Service " + id}, 'https://gateway.example.test', 1000, ${options.mint ?? t.config.USDC_MINT}, 'inference-llm', ${options.active ?? true})`;
  return id;
}

/** Intent bytes naming any agent key, for tests that sign them with another key or tamper with them. */
export function intentBytes(
  t: TestApp,
  agentPubkey: string,
  gatewayPubkey: string,
  amount: bigint,
  nonce: bigint,
  options: { mint?: string; deadline?: bigint } = {},
) {
  return encodeIntent({
    agent: base58Bytes(agentPubkey),
    gateway: base58Bytes(gatewayPubkey),
    mint: base58Bytes(options.mint ?? t.config.USDC_MINT),
    amount,
    nonce,
    deadline: options.deadline ?? BigInt(unixSeconds(t.deps.clock.now()) + 60),
  });
}

/**
 * Waits (polling the server, no timers) until `count` of this app's connections wait on a lock:
 * how a test knows a payment batch reached a row lock the test holds. Stops early once `orUntil`
 * settles (a request that was expected to wait may also just answer).
 */
export async function waitForLockWaiters(t: TestApp, count: number, orUntil?: Promise<unknown>) {
  let settled = false;
  void orUntil?.finally(() => (settled = true)).catch(() => {});
  for (let i = 0; i < 20_000 && !settled; i++) {
    const [row] = await t.sql<{ n: bigint }[]>`
      SELECT count(*) AS n FROM pg_stat_activity
      WHERE datname = ${t.db.name} AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`;
    if (Number(row!.n) >= count) return;
  }
  if (!settled) throw new Error(`waitForLockWaiters: fewer than ${count} waiters`);
}

/**
 * The gateway path's cast: an agent with a linked agent key, a vendor with a linked gateway key
 * and a gateway API key (the app needs a high RATE_LIMIT_LINK_PER_MINUTE to link many keys).
 */
export async function gatewaySetup(t: TestApp, options: { vendor?: TestUser } = {}) {
  const agent = await createUser(t, { profile: "agent" });
  const vendor = options.vendor ?? (await createUser(t, { profile: "vendor" }));
  const agentDevice = await linkedDevice(t, agent.token, "agent");
  const gatewayDevice = await linkedDevice(t, vendor.token, "vendor");
  const gatewayKey = await createKey(t, vendor.token, "gateway");
  /** Signs an intent with the agent's linked key and submits it with the gateway key. */
  const submit = async (amount: bigint, nonce: bigint, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    post(t, "/v1/gateway/payments", gatewayKey, { ...(await signIntent(t, agentDevice, gatewayDevice.address, amount, nonce)), ...extra }, headers);
  return { agent, vendor, agentDevice, gatewayDevice, gatewayKey, submit };
}

// ---- Helpers for the payouts and settlement suites (test/payouts/*). ----

/** X-MachPay-Signature for a raw recon body, as recon computes it. */
export function reconSignature(rawBody: string, secret: string = TEST_RECON_SECRET) {
  return `sha256=${createHmac("sha256", secret).update(rawBody).digest("hex")}`;
}

/** Posts a recon event: signed over its exact bytes unless `signature` says otherwise (null: no header). */
export async function postRecon(t: TestApp, event: unknown, options: { raw?: string; signature?: string | null } = {}) {
  const raw = options.raw ?? JSON.stringify(event);
  const signature = options.signature === undefined ? reconSignature(raw) : options.signature;
  const res = await fetch(t.url + "/v1/internal/recon/events", {
    method: "POST",
    headers: { "content-type": "application/json", ...(signature === null ? {} : { "x-machpay-signature": signature }) },
    body: raw,
  });
  return { res, status: res.status, body: await json(res) };
}

/** A vendor's account as the database holds it. */
export async function vendorRow(t: TestApp, vendorId: bigint) {
  const [row] = await t.sql<{ unsettled: bigint; debt: bigint }[]>`
    SELECT unsettled_balance_atomic AS unsettled, debt_atomic AS debt FROM vendor_accounts WHERE user_id = ${vendorId}`;
  if (!row) throw new Error(`vendorRow: no vendor account ${vendorId}`);
  return row;
}

/** The notifications recorded for a user, oldest first. */
/** A user's money notifications (payouts, settlements), oldest first; pairing notices are left out. */
export async function notificationsOf(t: TestApp, userId: bigint) {
  return t.sql<{ type: string; payload: any }[]>`
    SELECT type, payload FROM notifications WHERE user_id = ${userId} AND type <> 'link.approved' ORDER BY id`;
}

/**
 * An on-chain (non-custodial) agent on the gateway path: settlement_mode "onchain", `bond`
 * atomic units bonded (funded first), keys linked (the app needs a high RATE_LIMIT_LINK_PER_MINUTE).
 */
export async function onchainSetup(t: TestApp, options: { bond?: bigint; vendor?: TestUser } = {}) {
  const cast = await gatewaySetup(t, options);
  const settings = await put(t, "/v1/agent/settings", cast.agent.token, { settlement_mode: "onchain", low_balance_threshold_atomic: "0" });
  if (settings.status !== 200) throw new Error(`onchainSetup: settings ${settings.status} ${JSON.stringify(settings.body)}`);
  const bond = options.bond ?? t.config.MIN_BOND_ATOMIC;
  await fund(t, cast.agent.id, bond);
  const bonded = await post(t, "/v1/agent/bond/deposit", cast.agent.token, { amount_atomic: bond.toString() });
  if (bonded.status !== 200) throw new Error(`onchainSetup: bond ${bonded.status} ${JSON.stringify(bonded.body)}`);
  return cast;
}

/** Gives a vendor earnings: a fresh custodial agent is funded and pays it `amount` over /v1/agent/pay. Returns the transaction. */
export async function earn(t: TestApp, vendorId: bigint, amount: bigint) {
  const agent = await createUser(t, { profile: "agent" });
  await fund(t, agent.id, amount);
  const r = await post(t, "/v1/agent/pay", agent.token, { to: vendorId.toString(), amount_atomic: amount.toString() });
  if (r.status !== 201) throw new Error(`earn: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.transaction as { id: string; amount_atomic: string; fee_atomic: string };
}

/** A payment as the engine takes it (an API payment unless `overrides` says otherwise), for tests that submit to it directly. */
export function engineRequest(t: TestApp, agentId: bigint, vendorId: bigint, amount: bigint, overrides: Partial<PaymentRequest> = {}): PaymentRequest {
  return { agentId, vendorId, serviceId: null, amount, mint: t.config.USDC_MINT, reference: null, source: "api", region: null, receivedAt: performance.now(), ...overrides };
}
