import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { manualClock, unixSeconds } from "@/core/clock";
import { startTestApp, type TestApp } from "../support/app";
import { createUser } from "../support/fixtures";
import {
  agentRow,
  createKey,
  expectBalanced,
  fund,
  gatewaySetup,
  get,
  insertService,
  intentBytes,
  post,
  put,
  signIntent,
  transactionCount,
  unsettledOf,
} from "../support/ledger";
import { newWallet, toBase58 } from "../support/solana-keys";

// POST /v1/gateway/payments: a vendor's gateway submits an intent its agent signed (contract.md "Ledger").

const clock = manualClock(new Date("2031-03-14T12:00:00Z"));
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ PLATFORM_FEE_BPS: "100", RATE_LIMIT_LINK_PER_MINUTE: "100000" }, { clock });
});
afterAll(() => t.close());

const now = () => BigInt(unixSeconds(clock.now()));
const submitRaw = (key: string, bytes: Uint8Array, signature: Uint8Array, extra: Record<string, unknown> = {}) =>
  post(t, "/v1/gateway/payments", key, { intent: Buffer.from(bytes).toString("base64"), signature: toBase58(signature), ...extra });

describe("a gateway payment", () => {
  test("debits the agent, credits the vendor's unsettled balance, records hash = sha256(intent) and latency", async () => {
    const g = await gatewaySetup(t);
    await fund(t, g.agent.id, 100_000n);
    const signed = await signIntent(t, g.agentDevice, g.gatewayDevice.address, 10_000n, 1n);

    const r = await post(t, "/v1/gateway/payments", g.gatewayKey, { ...signed, reference: "req-1", region: "eu-west" });

    expect(r.status).toBe(201);
    const hash = createHash("sha256").update(Buffer.from(signed.intent, "base64")).digest("hex");
    expect(r.body.transaction).toMatchObject({
      hash,
      from_agent_id: g.agent.id.toString(),
      to_vendor_id: g.vendor.id.toString(),
      amount_atomic: "10000",
      fee_atomic: "100",
      status: "confirmed",
      source: "gateway",
      reference: "req-1",
      region: "eu-west",
      intent_id: null,
    });
    expect(r.body.balance).toBeUndefined();
    expect((await agentRow(t, g.agent.id)).balance).toBe(90_000n);
    expect(await unsettledOf(t, g.vendor.id)).toBe(9_900n);
    const [row] = await t.sql`SELECT hash, latency_ms, source FROM transactions WHERE id = ${r.body.transaction.id}`;
    expect(row).toMatchObject({ hash, source: "gateway" });
    expect(typeof row!.latency_ms).toBe("number");
    expect(row!.latency_ms).toBeGreaterThanOrEqual(0);
    const [nonce] = await t.sql`SELECT 1 AS spent FROM intent_nonces WHERE agent_pubkey = ${g.agentDevice.address} AND nonce = 1`;
    expect(nonce).toBeDefined();
    // The agent sees it in its history.
    const history = await get(t, "/v1/agent/transactions", g.agent.token);
    expect(history.body.data.map((x: { id: string }) => x.id)).toEqual([r.body.transaction.id]);
    await expectBalanced(t);
  });

  test("with a service of this vendor: the transaction names it; another vendor's service is 404", async () => {
    const g = await gatewaySetup(t);
    const stranger = await createUser(t, { profile: "vendor" });
    await fund(t, g.agent.id, 100_000n);
    const mine = await insertService(t, g.vendor.id, `gw-${g.vendor.id}`);
    const theirs = await insertService(t, stranger.id, `gw-${stranger.id}`);
    const ok = await g.submit(1_000n, 1n, { service_id: mine });
    expect(ok.status).toBe(201);
    expect(ok.body.transaction.service_id).toBe(mine);
    const refused = await g.submit(1_000n, 2n, { service_id: theirs });
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toBe("service_not_found");
    expect(await unsettledOf(t, stranger.id)).toBe(0n);
    expect((await agentRow(t, g.agent.id)).balance).toBe(99_000n);
    await expectBalanced(t);
  });

  test("nonces are independent per agent key: two agents may both use nonce 1", async () => {
    const vendor = await createUser(t, { profile: "vendor" });
    const a = await gatewaySetup(t, { vendor });
    const b = await gatewaySetup(t, { vendor });
    await fund(t, a.agent.id, 5_000n);
    await fund(t, b.agent.id, 5_000n);
    expect((await a.submit(1_000n, 1n)).status).toBe(201);
    expect((await b.submit(1_000n, 1n)).status).toBe(201);
    expect(await unsettledOf(t, vendor.id)).toBe(2n * 990n);
    await expectBalanced(t);
  });
});

describe("refused intents move nothing", () => {
  test("401 invalid_intent_signature: signed by another key, or a signature of other bytes", async () => {
    const g = await gatewaySetup(t);
    await fund(t, g.agent.id, 100_000n);
    const bytes = intentBytes(t, g.agentDevice.address, g.gatewayDevice.address, 1_000n, 1n);
    const impostor = await newWallet();
    const forged = await submitRaw(g.gatewayKey, bytes, await impostor.sign(bytes));
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe("invalid_intent_signature");
    // A real signature of the agent, over an intent for a smaller amount, does not cover a bigger one.
    const small = intentBytes(t, g.agentDevice.address, g.gatewayDevice.address, 1n, 1n);
    const big = intentBytes(t, g.agentDevice.address, g.gatewayDevice.address, 50_000n, 1n);
    const swapped = await submitRaw(g.gatewayKey, big, await g.agentDevice.sign(small));
    expect(swapped.status).toBe(401);
    expect((await agentRow(t, g.agent.id)).balance).toBe(100_000n);
    // A refused signature spends no nonce: the genuine intent still goes through.
    expect((await submitRaw(g.gatewayKey, bytes, await g.agentDevice.sign(bytes))).status).toBe(201);
    await expectBalanced(t);
  });

  test("422 intent_expired once the deadline is past (the deadline second itself is still valid)", async () => {
    const g = await gatewaySetup(t);
    await fund(t, g.agent.id, 100_000n);
    const late = await signIntent(t, g.agentDevice, g.gatewayDevice.address, 1_000n, 1n, { deadline: now() - 1n });
    const r = await post(t, "/v1/gateway/payments", g.gatewayKey, late);
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe("intent_expired");

    const edge = await signIntent(t, g.agentDevice, g.gatewayDevice.address, 1_000n, 2n, { deadline: now() + 30n });
    clock.advance(31_000);
    expect((await post(t, "/v1/gateway/payments", g.gatewayKey, edge)).body.error.code).toBe("intent_expired");
    const justInTime = await signIntent(t, g.agentDevice, g.gatewayDevice.address, 1_000n, 3n, { deadline: now() });
    expect((await post(t, "/v1/gateway/payments", g.gatewayKey, justInTime)).status).toBe(201);
    expect((await agentRow(t, g.agent.id)).balance).toBe(99_000n);
    await expectBalanced(t);
  });

  test("422 unsupported_mint for an intent in another mint", async () => {
    const g = await gatewaySetup(t);
    await fund(t, g.agent.id, 100_000n);
    const sol = await signIntent(t, g.agentDevice, g.gatewayDevice.address, 1_000n, 1n, { mint: "So11111111111111111111111111111111111111112" });
    const r = await post(t, "/v1/gateway/payments", g.gatewayKey, sol);
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe("unsupported_mint");
    expect((await agentRow(t, g.agent.id)).balance).toBe(100_000n);
    await expectBalanced(t);
  });

  test("400 invalid_intent for a wrong length, an unknown version or a zero amount; 400 invalid_request for non-base64", async () => {
    const g = await gatewaySetup(t);
    await fund(t, g.agent.id, 100_000n);
    const bytes = intentBytes(t, g.agentDevice.address, g.gatewayDevice.address, 1_000n, 1n);
    const short = bytes.slice(0, 120);
    const long = new Uint8Array(122);
    long.set(bytes);
    const v2 = bytes.slice();
    v2[0] = 0x02;
    const zero = intentBytes(t, g.agentDevice.address, g.gatewayDevice.address, 0n, 2n);
    for (const b of [short, long, v2]) {
      const r = await submitRaw(g.gatewayKey, b, await g.agentDevice.sign(b));
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("invalid_intent");
      expect(r.body.error.details.issues[0].field).toBe("intent");
    }
    const r = await submitRaw(g.gatewayKey, zero, await g.agentDevice.sign(zero));
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("invalid_intent");
    const garbage = await post(t, "/v1/gateway/payments", g.gatewayKey, { intent: "not base64!", signature: toBase58(await g.agentDevice.sign(bytes)) });
    expect(garbage.status).toBe(400);
    expect(garbage.body.error.code).toBe("invalid_request");
    expect((await agentRow(t, g.agent.id)).balance).toBe(100_000n);
    await expectBalanced(t);
  });

  test("409 nonce_already_used for a replay: one debit only", async () => {
    const g = await gatewaySetup(t);
    await fund(t, g.agent.id, 100_000n);
    const signed = await signIntent(t, g.agentDevice, g.gatewayDevice.address, 1_000n, 7n);
    expect((await post(t, "/v1/gateway/payments", g.gatewayKey, signed)).status).toBe(201);
    const replay = await post(t, "/v1/gateway/payments", g.gatewayKey, signed);
    expect(replay.status).toBe(409);
    expect(replay.body.error.code).toBe("nonce_already_used");
    // Another intent reusing the nonce (a different amount) is refused too.
    const sameNonce = await g.submit(2_000n, 7n);
    expect(sameNonce.status).toBe(409);
    expect((await agentRow(t, g.agent.id)).balance).toBe(99_000n);
    expect(await unsettledOf(t, g.vendor.id)).toBe(990n);
    expect(await transactionCount(t, g.agent.id)).toBe(1);
    await expectBalanced(t);
  });

  test("a refused intent's nonce is spent: refused for funds, it cannot be replayed once the agent is funded", async () => {
    const g = await gatewaySetup(t);
    const signed = await signIntent(t, g.agentDevice, g.gatewayDevice.address, 1_000n, 1n);
    const poor = await post(t, "/v1/gateway/payments", g.gatewayKey, signed);
    expect(poor.status).toBe(402);
    expect(poor.body.error.code).toBe("insufficient_funds");
    await fund(t, g.agent.id, 100_000n);
    const replay = await post(t, "/v1/gateway/payments", g.gatewayKey, signed);
    expect(replay.status).toBe(409);
    expect(replay.body.error.code).toBe("nonce_already_used");
    expect((await agentRow(t, g.agent.id)).balance).toBe(100_000n);
    expect(await unsettledOf(t, g.vendor.id)).toBe(0n);
    await expectBalanced(t);
  });

  test("403 agent_not_linked: an unlinked key, or a key linked as a gateway", async () => {
    const g = await gatewaySetup(t);
    const stranger = await newWallet();
    const r = await post(t, "/v1/gateway/payments", g.gatewayKey, await signIntent(t, stranger, g.gatewayDevice.address, 1_000n, 1n));
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe("agent_not_linked");
    // The vendor's own gateway key signing as if it were an agent.
    const selfSigned = await post(t, "/v1/gateway/payments", g.gatewayKey, await signIntent(t, g.gatewayDevice, g.gatewayDevice.address, 1_000n, 1n));
    expect(selfSigned.status).toBe(403);
    expect(selfSigned.body.error.code).toBe("agent_not_linked");
    expect(await unsettledOf(t, g.vendor.id)).toBe(0n);
    await expectBalanced(t);
  });

  test("403 gateway_mismatch: the intent names another vendor's gateway key, or an unlinked one", async () => {
    const g = await gatewaySetup(t);
    const other = await gatewaySetup(t);
    await fund(t, g.agent.id, 100_000n);
    // Signed for the other vendor's gateway, submitted by this vendor: it would redirect the payment.
    const stolen = await signIntent(t, g.agentDevice, other.gatewayDevice.address, 1_000n, 1n);
    const r = await post(t, "/v1/gateway/payments", g.gatewayKey, stolen);
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe("gateway_mismatch");
    const unlinked = await signIntent(t, g.agentDevice, (await newWallet()).address, 1_000n, 2n);
    expect((await post(t, "/v1/gateway/payments", g.gatewayKey, unlinked)).body.error.code).toBe("gateway_mismatch");
    expect((await agentRow(t, g.agent.id)).balance).toBe(100_000n);
    // Refused before the engine: the nonce is not spent, the rightful gateway can still submit it.
    expect((await post(t, "/v1/gateway/payments", other.gatewayKey, stolen)).status).toBe(201);
    expect(await unsettledOf(t, other.vendor.id)).toBe(990n);
    expect(await unsettledOf(t, g.vendor.id)).toBe(0n);
    await expectBalanced(t);
  });

  test("403 gateway_key_required for an agent JWT, an agent key or a vendor JWT; 403 for a read-only gateway key", async () => {
    const g = await gatewaySetup(t);
    await fund(t, g.agent.id, 100_000n);
    const signed = await signIntent(t, g.agentDevice, g.gatewayDevice.address, 1_000n, 1n);
    const agentKey = await createKey(t, g.agent.token, "agent");
    for (const token of [g.agent.token, agentKey, g.vendor.token]) {
      const r = await post(t, "/v1/gateway/payments", token, signed);
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe("gateway_key_required");
    }
    const readOnly = await createKey(t, g.vendor.token, "gateway", ["read"]);
    expect((await post(t, "/v1/gateway/payments", readOnly, signed)).body.error.code).toBe("insufficient_permissions");
    const anonymous = await fetch(t.url + "/v1/gateway/payments", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(signed),
    });
    expect(anonymous.status).toBe(401);
    expect((await agentRow(t, g.agent.id)).balance).toBe(100_000n);
    // None of them spent the nonce.
    expect((await post(t, "/v1/gateway/payments", g.gatewayKey, signed)).status).toBe(201);
    await expectBalanced(t);
  });

  test("403 agent_suspended", async () => {
    const g = await gatewaySetup(t);
    await fund(t, g.agent.id, 100_000n);
    await t.sql`UPDATE users SET status = 'SUSPENDED' WHERE id = ${g.agent.id}`;
    const r = await g.submit(1_000n, 1n);
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe("agent_suspended");
    expect((await agentRow(t, g.agent.id)).balance).toBe(100_000n);
    expect(await unsettledOf(t, g.vendor.id)).toBe(0n);
    await expectBalanced(t);
  });

  test("the agent's limits apply to gateway payments: per payment, allowed vendors, daily", async () => {
    const g = await gatewaySetup(t);
    await fund(t, g.agent.id, 100_000n);
    const limits = { per_payment_max_atomic: "5000", daily_max_atomic: "8000", allowed_vendor_ids: [g.vendor.id.toString()] };
    expect((await put(t, "/v1/agent/limits", g.agent.token, limits)).status).toBe(200);
    const tooBig = await g.submit(5_001n, 1n);
    expect(tooBig.status).toBe(403);
    expect(tooBig.body.error).toMatchObject({ code: "limit_exceeded", details: { limit: "per_payment_max" } });
    expect((await g.submit(5_000n, 2n)).status).toBe(201);
    const overDay = await g.submit(3_001n, 3n);
    expect(overDay.body.error).toMatchObject({ code: "limit_exceeded", details: { limit: "daily_max" } });
    expect((await g.submit(3_000n, 4n)).status).toBe(201);

    const other = await gatewaySetup(t);
    const elsewhere = await post(t, "/v1/gateway/payments", other.gatewayKey, await signIntent(t, g.agentDevice, other.gatewayDevice.address, 1n, 5n));
    expect(elsewhere.body.error).toMatchObject({ code: "limit_exceeded", details: { limit: "allowed_vendor_ids" } });
    expect((await agentRow(t, g.agent.id)).balance).toBe(92_000n);
    await expectBalanced(t);
  });
});

describe("on-chain agents", () => {
  async function onchainAgent(bond: bigint) {
    const g = await gatewaySetup(t);
    await fund(t, g.agent.id, 50_000_000n);
    expect((await put(t, "/v1/agent/settings", g.agent.token, { settlement_mode: "onchain", low_balance_threshold_atomic: "0" })).status).toBe(200);
    if (bond > 0n) expect((await post(t, "/v1/agent/bond/deposit", g.agent.token, { amount_atomic: bond.toString() })).status).toBe(200);
    return g;
  }

  test("an intent records a PENDING payment_intent, credits the vendor, and leaves available untouched", async () => {
    const g = await onchainAgent(10_000_000n);
    const r = await g.submit(4_000_000n, 1n);
    expect(r.status).toBe(201);
    expect(r.body.transaction.intent_id).toMatch(/^[0-9a-f-]{36}$/);
    const [intent] = await t.sql`
      SELECT agent_id, vendor_id, agent_pubkey, gateway_pubkey, amount_atomic, nonce, status, transaction_id
      FROM payment_intents WHERE id = ${r.body.transaction.intent_id}`;
    expect(intent).toMatchObject({
      agent_id: g.agent.id,
      vendor_id: g.vendor.id,
      agent_pubkey: g.agentDevice.address,
      gateway_pubkey: g.gatewayDevice.address,
      amount_atomic: 4_000_000n,
      nonce: 1n,
      status: "PENDING",
      transaction_id: r.body.transaction.id,
    });
    expect(await agentRow(t, g.agent.id)).toMatchObject({ balance: 40_000_000n, bonded: 10_000_000n });
    expect(await unsettledOf(t, g.vendor.id)).toBe(3_960_000n);
    const balance = await get(t, "/v1/agent/balance", g.agent.token);
    expect(balance.body).toMatchObject({ available_atomic: "40000000", bonded_atomic: "10000000", pending_atomic: "4000000" });
    // Intents count as inflows: the identity holds.
    const report = await expectBalanced(t);
    expect(BigInt(report.mints[0].inflows.intents_pending_atomic)).toBeGreaterThanOrEqual(4_000_000n);
  });

  test("pending + amount may reach the bond but not pass it (402 bond_insufficient)", async () => {
    const g = await onchainAgent(10_000_000n);
    expect((await g.submit(4_000_000n, 1n)).status).toBe(201);
    const over = await g.submit(6_000_001n, 2n);
    expect(over.status).toBe(402);
    expect(over.body.error).toMatchObject({
      code: "bond_insufficient",
      details: { bonded_atomic: "10000000", pending_atomic: "4000000", amount_atomic: "6000001" },
    });
    expect((await g.submit(6_000_000n, 3n)).status).toBe(201);
    expect((await g.submit(1n, 4n)).body.error.code).toBe("bond_insufficient");
    expect((await get(t, "/v1/agent/balance", g.agent.token)).body.pending_atomic).toBe("10000000");
    expect(await unsettledOf(t, g.vendor.id)).toBe(9_900_000n);
    await expectBalanced(t);
  });

  test("without a bond an on-chain agent's intents are refused", async () => {
    const g = await onchainAgent(0n);
    const r = await g.submit(1n, 1n);
    expect(r.status).toBe(402);
    expect(r.body.error.code).toBe("bond_insufficient");
    expect(await unsettledOf(t, g.vendor.id)).toBe(0n);
    await expectBalanced(t);
  });

  test("while intents are pending the bond cannot be withdrawn and the mode cannot go back to ledger", async () => {
    const g = await onchainAgent(10_000_000n);
    expect((await g.submit(1_000_000n, 1n)).status).toBe(201);
    const withdraw = await post(t, "/v1/agent/bond/withdraw", g.agent.token, { amount_atomic: "10000000" });
    expect(withdraw.status).toBe(409);
    expect(withdraw.body.error).toMatchObject({ code: "bond_locked", details: { pending_atomic: "1000000" } });
    const back = await put(t, "/v1/agent/settings", g.agent.token, { settlement_mode: "ledger", low_balance_threshold_atomic: "0" });
    expect(back.status).toBe(409);
    expect(back.body.error.code).toBe("settlement_pending");
    expect(await agentRow(t, g.agent.id)).toMatchObject({ balance: 40_000_000n, bonded: 10_000_000n });
    await expectBalanced(t);
  });

  test("a replayed on-chain intent is 409 and records no second intent", async () => {
    const g = await onchainAgent(10_000_000n);
    const signed = await signIntent(t, g.agentDevice, g.gatewayDevice.address, 1_000_000n, 9n);
    expect((await post(t, "/v1/gateway/payments", g.gatewayKey, signed)).status).toBe(201);
    expect((await post(t, "/v1/gateway/payments", g.gatewayKey, signed)).body.error.code).toBe("nonce_already_used");
    const [n] = await t.sql`SELECT count(*)::int AS n FROM payment_intents WHERE agent_id = ${g.agent.id}`;
    expect(n!.n).toBe(1);
    expect(await unsettledOf(t, g.vendor.id)).toBe(990_000n);
    await expectBalanced(t);
  });
});
