import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { address, createKeyPairSignerFromBytes, createSolanaRpc } from "@solana/kit";
import { Chain, chainSettings, indexVaultOnce, settleOnce, type SettlementCtx } from "@/chain";
import { buildPayoutTransaction } from "@/chain";
import { claimPendingPayouts, recordSend } from "@/payouts";
import { startTestApp, type TestApp } from "../support/app";
import { ataOf, chainEnv, fundedWallet, transferUsdc } from "../support/chain";
import { createUser } from "../support/fixtures";
import { earn, expectBalanced, post } from "../support/ledger";
import { startTestLocalnet, type TestLocalnet } from "../support/localnet";

let ln: TestLocalnet;
let t: TestApp;
let chain: Chain;
beforeAll(async () => {
  ln = await startTestLocalnet();
  t = await startTestApp({ ...chainEnv(ln), ENABLE_WORKERS: "false" });
  chain = new Chain(ln.url);
});
afterAll(async () => {
  await t.close();
  await ln.close();
});

const base = () => ({ sql: t.sql, actor: { kind: "system" as const, job: "test" }, clock: t.deps.clock, log: t.logger, chain, settings: chainSettings(t.config)! });
const available = async (id: bigint) => (await t.sql<{ b: bigint }[]>`SELECT balance_atomic AS b FROM agent_accounts WHERE user_id = ${id}`)[0]!.b;

describe("vault indexer", () => {
  test("credits memo-tagged deposits without an API call, once, across passes and restarts", async () => {
    const agent = await createUser(t, { profile: "agent" });
    const wallet = await fundedWallet(ln, 9_000_000n);
    const sig = await transferUsdc(ln, wallet, ln.vaultTokenAccount, 4_000_000n, { memo: `machpay:${agent.id}` });
    const stranger = await transferUsdc(ln, wallet, ln.vaultTokenAccount, 1_000_000n);
    // Not finalized yet: the indexer does not see it.
    expect((await indexVaultOnce(base())).credited).toBe(0);
    ln.advance(2);
    const first = await indexVaultOnce(base());
    expect(first.credited).toBe(1);
    expect(await available(agent.id)).toBe(4_000_000n);
    expect((await indexVaultOnce(base())).credited).toBe(0);
    // A restart mid-batch re-reads from an older checkpoint: nothing is credited twice.
    await t.sql`DELETE FROM chain_checkpoints`;
    expect((await indexVaultOnce(base())).credited).toBe(0);
    expect(await available(agent.id)).toBe(4_000_000n);
    // The API then says it was credited already; the stranger's unclaimed transfer stays unclaimed.
    expect((await post(t, "/v1/agent/deposit", agent.token, { txHash: sig })).body.status).toBe("already_credited");
    const [row] = await t.sql`SELECT count(*)::int AS n FROM deposits WHERE tx_signature = ${stranger}`;
    expect(row!.n).toBe(0);
    await expectBalanced(t);
  });
});

describe("settlement worker", () => {
  const hot = () => createKeyPairSignerFromBytes(ln.hotWallet.secretKey64);
  const settleCtx = async (): Promise<SettlementCtx> => ({ ...base(), hot: await hot(), mint: ln.mint, decimals: 6 });
  const tokenBalance = async (owner: string) => {
    const rpc = createSolanaRpc(ln.url);
    const ata = await ataOf(ln, address(owner));
    try {
      return BigInt((await rpc.getTokenAccountBalance(ata).send()).value.amount);
    } catch {
      return 0n;
    }
  };
  async function vendorWithPayout(amount: bigint) {
    const vendor = await createUser(t, { profile: "vendor" });
    await earn(t, vendor.id, amount);
    const wallet = (await fundedWallet(ln, 0n)).signer.address;
    const r = await post(t, "/v1/vendor/payout", vendor.token, { amount_atomic: amount.toString(), destinationWallet: wallet, reference: `p-${vendor.id}` });
    expect(r.status).toBe(201);
    return { vendor, wallet, payoutId: r.body.id as string };
  }
  const statusOf = async (id: string) => (await t.sql<{ status: string; tx_hash: string | null }[]>`SELECT status, tx_hash FROM payouts WHERE id = ${id}`)[0]!;

  test("pays pending payouts on chain, creating the destination account, and confirms them once final", async () => {
    const a = await vendorWithPayout(2_000_000n);
    const b = await vendorWithPayout(3_000_000n);
    const ctx = await settleCtx();
    const first = await settleOnce(ctx, { batch: 10 });
    expect(first.sent).toBe(2);
    expect((await statusOf(a.payoutId)).status).toBe("PROCESSING");
    ln.advance(2);
    const second = await settleOnce(ctx, { batch: 10 });
    expect(second.confirmed).toBe(2);
    const done = await statusOf(a.payoutId);
    expect(done.status).toBe("CONFIRMED");
    expect(done.tx_hash).toMatch(/^[1-9A-HJ-NP-Za-km-z]{64,88}$/);
    expect(await tokenBalance(a.wallet)).toBe(2_000_000n);
    expect(await tokenBalance(b.wallet)).toBe(3_000_000n);
    await expectBalanced(t);
  });

  test("two workers at once never pay a payout twice", async () => {
    const p = await vendorWithPayout(1_500_000n);
    const [x, y] = await Promise.all([settleOnce(await settleCtx(), { batch: 10 }), settleOnce(await settleCtx(), { batch: 10 })]);
    expect(x.sent + y.sent).toBe(1);
    ln.advance(2);
    await settleOnce(await settleCtx(), { batch: 10 });
    expect((await statusOf(p.payoutId)).status).toBe("CONFIRMED");
    expect(await tokenBalance(p.wallet)).toBe(1_500_000n);
  });

  test("a worker killed after recording the signature but before sending does not pay twice on restart", async () => {
    const p = await vendorWithPayout(700_000n);
    const ctx = await settleCtx();
    // The crashed worker's steps: claim, build and sign, record the signature, then die unsent.
    const [claimed] = await claimPendingPayouts(t.sql, 10, t.deps.clock.now());
    const { value: lifetime } = await chain.rpc.getLatestBlockhash({ commitment: "confirmed" }).send();
    const tx = await buildPayoutTransaction(ctx.hot, ln.mint, 6, [{ id: claimed!.id, destination: claimed!.destination_wallet, amount: claimed!.amount_atomic }], lifetime);
    await recordSend(t.sql, [claimed!.id], tx.signature, lifetime.lastValidBlockHeight, t.deps.clock.now());
    // Restart: the signature is unknown but its blockhash still valid, so the worker waits.
    expect((await settleOnce(ctx, { batch: 10 })).sent).toBe(0);
    expect((await statusOf(p.payoutId)).tx_hash).toBe(tx.signature);
    // Once the blockhash has expired unseen, it can never land: the payout is sent again, once.
    ln.advance(160);
    const retry = await settleOnce(ctx, { batch: 10 });
    expect(retry.released).toBe(1);
    expect(retry.sent).toBe(1);
    ln.advance(2);
    await settleOnce(ctx, { batch: 10 });
    expect((await statusOf(p.payoutId)).status).toBe("CONFIRMED");
    expect(await tokenBalance(p.wallet)).toBe(700_000n);
    await expectBalanced(t);
  });

  test("a payout the hot wallet cannot cover fails, and its money goes back to the vendor", async () => {
    const poor = await startTestLocalnet({ hotWalletUsdc: 1_000_000n });
    const app = await startTestApp({ ...chainEnv(poor), ENABLE_WORKERS: "false" });
    try {
      const vendor = await createUser(app, { profile: "vendor" });
      await earn(app, vendor.id, 5_000_000n);
      const r = await post(app, "/v1/vendor/payout", vendor.token, { amount_atomic: "5000000", reference: "too-big" });
      expect(r.status).toBe(201);
      const ctx: SettlementCtx = {
        sql: app.sql,
        actor: { kind: "system", job: "test" },
        clock: app.deps.clock,
        log: app.logger,
        chain: new Chain(poor.url),
        hot: await createKeyPairSignerFromBytes(poor.hotWallet.secretKey64),
        mint: poor.mint,
        decimals: 6,
      };
      const result = await settleOnce(ctx, { batch: 10 });
      expect(result).toMatchObject({ sent: 0, failed: 1 });
      const [payout] = await app.sql`SELECT status, failure_reason FROM payouts WHERE id = ${r.body.id}`;
      expect(payout!.status).toBe("FAILED");
      const [account] = await app.sql`SELECT unsettled_balance_atomic FROM vendor_accounts WHERE user_id = ${vendor.id}`;
      expect(account!.unsettled_balance_atomic).toBe(5_000_000n);
      await expectBalanced(app);
    } finally {
      await app.close();
      await poor.close();
    }
  });
});
