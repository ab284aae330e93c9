import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createKeyPairSignerFromBytes, getBase58Decoder } from "@solana/kit";
import { startTestApp, type TestApp } from "../support/app";
import { chainEnv, fundedWallet, otherMint, transferUsdc } from "../support/chain";
import { createUser, type TestUser } from "../support/fixtures";
import { json } from "../support/http";
import { expectBalanced, post } from "../support/ledger";
import { startTestLocalnet, type TestLocalnet } from "../support/localnet";
import { linkedDevice } from "../support/pairing";

let ln: TestLocalnet;
let t: TestApp;
beforeAll(async () => {
  ln = await startTestLocalnet();
  t = await startTestApp({ ...chainEnv(ln), RATE_LIMIT_LINK_PER_MINUTE: "100000", ENABLE_WORKERS: "false" });
});
afterAll(async () => {
  await t.close();
  await ln.close();
});

const deposit = (u: TestUser, txHash: string) => post(t, "/v1/agent/deposit", u.token, { txHash });
const balanceOf = async (u: TestUser) => (await json(await fetch(t.url + "/v1/agent/balance", { headers: { authorization: `Bearer ${u.token}` } }))).available_atomic;

describe("GET /v1/agent/deposit-address", () => {
  test("tells a wallet where to send USDC and which memo names this agent", async () => {
    const agent = await createUser(t, { profile: "agent" });
    const res = await fetch(t.url + "/v1/agent/deposit-address", { headers: { authorization: `Bearer ${agent.token}` } });
    expect(await json(res)).toEqual({ vault_token_account: ln.vaultTokenAccount, vault_owner: ln.vaultOwner, token_mint: ln.mint, decimals: 6, memo: `machpay:${agent.id}` });
  });
});

describe("POST /v1/agent/deposit", () => {
  test("a memo-tagged transfer into the vault is credited once; the same txHash again says already credited", async () => {
    const agent = await createUser(t, { profile: "agent" });
    const wallet = await fundedWallet(ln, 50_000_000n);
    const sig = await transferUsdc(ln, wallet, ln.vaultTokenAccount, 25_000_000n, { memo: `machpay:${agent.id}` });
    ln.advance(2);
    const first = await deposit(agent, sig);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: "credited", tx_signature: sig, amount_atomic: "25000000", balance: { available_atomic: "25000000" } });
    const again = await deposit(agent, sig);
    expect(again.status).toBe(200);
    expect(again.body.status).toBe("already_credited");
    expect(await balanceOf(agent)).toBe("25000000");
    const [n] = await t.sql`SELECT count(*)::int AS n FROM notifications WHERE user_id = ${agent.id} AND type = 'deposit.confirmed'`;
    expect(n!.n).toBe(1);
    await expectBalanced(t);
  });

  test("a transfer from the agent's own linked key needs no memo", async () => {
    const agent = await createUser(t, { profile: "agent" });
    const device = await linkedDevice(t, agent.token, "agent");
    const signer = await createKeyPairSignerFromBytes(device.secretKey64);
    const wallet = await fundedWallet(ln, 5_000_000n, signer);
    const sig = await transferUsdc(ln, wallet, ln.vaultTokenAccount, 5_000_000n);
    ln.advance(2);
    expect((await deposit(agent, sig)).body.status).toBe("credited");
    expect(await balanceOf(agent)).toBe("5000000");
    await expectBalanced(t);
  });

  test("concurrent claims of one transaction credit it once", async () => {
    const agent = await createUser(t, { profile: "agent" });
    const wallet = await fundedWallet(ln, 7_000_000n);
    const sig = await transferUsdc(ln, wallet, ln.vaultTokenAccount, 7_000_000n, { memo: `machpay:${agent.id}` });
    ln.advance(2);
    const results = await Promise.all(Array.from({ length: 10 }, () => deposit(agent, sig)));
    expect(results.filter((r) => r.body.status === "credited")).toHaveLength(1);
    expect(results.filter((r) => r.body.status === "already_credited")).toHaveLength(9);
    expect(await balanceOf(agent)).toBe("7000000");
    await expectBalanced(t);
  });

  test("a transaction not yet finalized gets a retryable answer, then credits once it is", async () => {
    const agent = await createUser(t, { profile: "agent" });
    const wallet = await fundedWallet(ln, 1_000_000n);
    const sig = await transferUsdc(ln, wallet, ln.vaultTokenAccount, 1_000_000n, { memo: `machpay:${agent.id}` });
    const early = await deposit(agent, sig);
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe("deposit_not_final");
    expect(early.res.headers.get("retry-after")).toBe("2");
    expect(await balanceOf(agent)).toBe("0");
    ln.advance(2);
    expect((await deposit(agent, sig)).body.status).toBe("credited");
  });

  test("another mint, another destination, a failed transaction, a stranger without memo, another user's memo: nothing credited", async () => {
    const agent = await createUser(t, { profile: "agent" });
    const other = await createUser(t, { profile: "agent" });
    const wallet = await fundedWallet(ln, 10_000_000n);

    const foreign = await otherMint(ln, wallet, 9_000_000n, ln.vaultOwner as never);
    const wrongMint = await transferUsdc(ln, wallet, foreign.destination, 1_000_000n, { mint: foreign.mint, source: foreign.source, memo: `machpay:${agent.id}` });
    // A real USDC account that is not the vault (the hot wallet's).
    const elsewhere = await transferUsdc(ln, wallet, ln.hotWallet.tokenAccount, 1_000_000n, { memo: `machpay:${agent.id}` });
    const failed = await transferUsdc(ln, wallet, ln.vaultTokenAccount, 999_000_000n, { memo: `machpay:${agent.id}` });
    const stranger = await transferUsdc(ln, wallet, ln.vaultTokenAccount, 1_000_000n);
    const forOther = await transferUsdc(ln, wallet, ln.vaultTokenAccount, 1_000_000n, { memo: `machpay:${other.id}` });
    ln.advance(2);

    const mint = await deposit(agent, wrongMint);
    expect([mint.status, mint.body.error.code]).toEqual([422, "not_a_deposit"]);
    const dest = await deposit(agent, elsewhere);
    expect([dest.status, dest.body.error.code]).toEqual([422, "not_a_deposit"]);
    const fail = await deposit(agent, failed);
    expect([fail.status, fail.body.error.code]).toEqual([422, "transaction_failed"]);
    const strange = await deposit(agent, stranger);
    expect([strange.status, strange.body.error.code]).toEqual([403, "deposit_not_yours"]);
    const theirs = await deposit(agent, forOther);
    expect([theirs.status, theirs.body.error.code]).toEqual([403, "deposit_not_yours"]);
    expect(await balanceOf(agent)).toBe("0");
    // The rightful owner of the memo can still claim it.
    expect((await deposit(other, forOther)).body.status).toBe("credited");
    await expectBalanced(t);
  });

  test("an unknown signature is a 404, a malformed one a 400 naming txHash", async () => {
    const agent = await createUser(t, { profile: "agent" });
    const unknown = getBase58Decoder().decode(crypto.getRandomValues(new Uint8Array(64)));
    const res = await deposit(agent, unknown);
    expect([res.status, res.body.error.code]).toEqual([404, "transaction_not_found"]);
    const bad = await deposit(agent, "not-a-signature");
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0].field).toBe("txHash");
  });

  test("a chain that does not answer is a retryable 503, never a credit", async () => {
    const down = await startTestApp({ ...chainEnv(ln), SOLANA_RPC: "http://127.0.0.1:1", ENABLE_WORKERS: "false" }, { db: t.db });
    try {
      const agent = await createUser(down, { profile: "agent" });
      const sig = getBase58Decoder().decode(crypto.getRandomValues(new Uint8Array(64)));
      const res = await post(down, "/v1/agent/deposit", agent.token, { txHash: sig });
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe("chain_unavailable");
      expect(res.res.headers.get("retry-after")).toBe("5");
    } finally {
      await down.close();
    }
  });
});
