// Chain figures: deposit verification latency (POST /v1/agent/deposit against the local chain,
// over HTTP, the server in another process) and payouts settled per minute by one settlement worker.
// Run: bun run scripts/bench-chain.ts   (BENCH_DEPOSITS, BENCH_PAYOUTS)
import os from "node:os";
import { createKeyPairSignerFromBytes, generateKeyPairSigner } from "@solana/kit";
import { createSecrets, generateSigningJwk } from "@/auth";
import { Chain, chainSettings, settleOnce } from "@/chain";
import { parseConfig } from "@/config";
import { systemClock } from "@/core/clock";
import { randomBase62 } from "@/core/ids";
import { createLogger } from "@/core/logger";
import { requestPayout } from "@/payouts";
import { startLocalnet } from "../packages/localnet";
import { fundedWallet, transferUsdc } from "../test/support/chain";
import { freshDatabase, startServer } from "./lib/bench";

const DEPOSITS = Number(process.env.BENCH_DEPOSITS ?? 100);
const PAYOUTS = Number(process.env.BENCH_PAYOUTS ?? 200);

const ln = await startLocalnet({ port: 0, slotMs: 0 });
const db = await freshDatabase("machpay_bench_chain");
const env = {
  DATABASE_URL: db.url,
  JWT_PRIVATE_KEY: JSON.stringify(await generateSigningJwk()),
  API_KEY_PEPPER: randomBase62(40),
  NODE_ENV: "production",
  SOLANA_RPC: ln.url,
  USDC_MINT: ln.mint,
  VAULT_TOKEN_ACCOUNT: ln.vaultTokenAccount,
  VAULT_OWNER: ln.vaultOwner,
  ENABLE_WORKERS: "false",
};
const config = parseConfig(env);
const logger = createLogger("silent");
const sql = db.sql;

// An agent with an API key, and DEPOSITS finalized memo-tagged transfers into the vault.
const [agent] = await sql<{ id: bigint }[]>`INSERT INTO users (email, role) VALUES ('bench-agent@bench.test', 'architect') RETURNING id`;
await sql`INSERT INTO profiles (user_id, type, name) VALUES (${agent!.id}, 'agent', 'bench')`;
const key = `mp_sk_live_${randomBase62(32)}`;
await sql`INSERT INTO api_keys (user_id, kind, name, prefix, hash) VALUES (${agent!.id}, 'agent', 'bench', ${key.slice(0, 15)}, ${createSecrets(config, logger).hmac(key)})`;
const lnLike = { ...ln, advance: (n?: number) => ln.advance(n) };
const wallet = await fundedWallet(lnLike as never, BigInt(DEPOSITS) * 1_000_000n);
const sigs: string[] = [];
for (let i = 0; i < DEPOSITS; i++) sigs.push(await transferUsdc(lnLike as never, wallet, ln.vaultTokenAccount, 1_000_000n, { memo: `machpay:${agent!.id}` }));
ln.advance(2);

const server = await startServer(env);
const latencies: number[] = [];
for (const sig of sigs) {
  const t0 = performance.now();
  const res = await fetch(server.url + "/v1/agent/deposit", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: JSON.stringify({ txHash: sig }) });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`deposit answered ${res.status}`);
  latencies.push(performance.now() - t0);
}
await server.stop();
latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;

// PAYOUTS pending payouts to fresh wallets, then one worker settling them on a chain whose slots move.
const [vendor] = await sql<{ id: bigint }[]>`INSERT INTO users (email, role) VALUES ('bench-vendor@bench.test', 'operator') RETURNING id`;
await sql`INSERT INTO profiles (user_id, type, name, service_type, withdrawal_address, base_price_atomic) VALUES (${vendor!.id}, 'vendor', 'v', 'llm', ${ln.hotWallet.address}, 0)`;
// Earnings set directly on the account the profile opened: this measures the worker, not the ledger.
await sql`UPDATE vendor_accounts SET unsettled_balance_atomic = ${BigInt(PAYOUTS) * 10_000n} WHERE user_id = ${vendor!.id}`;
const actor = { kind: "user" as const, userId: vendor!.id, role: "operator" as const, permissions: ["read", "write"] as const, via: "jwt" as const };
for (let i = 0; i < PAYOUTS; i++) {
  const dest = (await generateKeyPairSigner()).address;
  await requestPayout({ sql, actor, clock: systemClock, log: logger, tokenMint: ln.mint }, { amount: 10_000n, destinationWallet: dest, reference: `bench-${i}` });
}
const ctx = {
  sql,
  actor: { kind: "system" as const, job: "bench" },
  clock: systemClock,
  log: logger,
  chain: new Chain(ln.url),
  settings: chainSettings(config)!,
  hot: await createKeyPairSignerFromBytes(ln.hotWallet.secretKey64),
  mint: ln.mint,
  decimals: 6,
};
const started = performance.now();
let confirmed = 0;
while (confirmed < PAYOUTS) {
  const r = await settleOnce(ctx, { batch: 20 });
  confirmed += r.confirmed;
  ln.advance(1);
}
const minutes = (performance.now() - started) / 60_000;
await db.drop();
await ln.close();

console.log(`bench-chain: ${os.cpus().length} CPUs, Bun ${Bun.version}; local chain (LiteSVM JSON-RPC) in this process, server in another, commitment finalized`);
console.log(`  POST /v1/agent/deposit (verify on chain + credit), ${DEPOSITS} sequential: p50 ${pct(50).toFixed(2)} ms, p95 ${pct(95).toFixed(2)} ms, max ${latencies[latencies.length - 1]!.toFixed(2)} ms`);
console.log(`  settlement worker: ${PAYOUTS} payouts confirmed in ${(minutes * 60).toFixed(1)} s = ${(PAYOUTS / minutes).toFixed(0)} payouts/min (batches of 20, 4 transfers per transaction, one slot per pass)`);
