// MachPay as an x402 facilitator, measured over HTTP against the real server in another process.
// batch-settlement: POST /x402/settle (and /x402/verify) with signed MachPay intents, beside the
// same payments through POST /v1/gateway/payments, in one run on one database: settle latency
// p50/p99 and settles/s against the gateway path's payments/s. exact: verify + settle latency on
// the local chain (answering as devnet), the hot wallet co-signing as fee payer.
// Targets: batch-settlement settle p99 < 50 ms, and at least 80 % of the gateway path's throughput.
// Run: bun run bench:x402  (BENCH_SECONDS 5, BENCH_CONCURRENCY 64, BENCH_AGENTS 200, BENCH_VENDORS 4,
//   BENCH_EXACT 20 exact payments, BENCH_EXACT_CONCURRENCY 4)
import os from "node:os";
import { createSolanaRpc, generateKeyPairSigner, lamports } from "@solana/kit";
import type { PaymentRequirements } from "@x402/core/types";
import { ExactSvmScheme } from "@x402/svm/exact/client";
import { createSecrets, generateSigningJwk } from "@/auth";
import { parseConfig } from "@/config";
import { randomBase62 } from "@/core/ids";
import { createLogger } from "@/core/logger";
import { auditLedger } from "@/ledger";
import { startLocalnet } from "../packages/localnet";
import { USDC_MINTS } from "../packages/x402-machpay";
import { closedLoop, cpuSeconds, freshDatabase, postgresCpuSeconds, startServer, type LoadResult } from "./lib/bench";
import { createPaymentFixtures, signIntent, type BenchAgent, type BenchVendor } from "./lib/bench-fixtures";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const AGENTS = Number(process.env.BENCH_AGENTS ?? 200);
const VENDORS = Number(process.env.BENCH_VENDORS ?? 4);
const EXACT = Number(process.env.BENCH_EXACT ?? 20);
const EXACT_CONCURRENCY = Number(process.env.BENCH_EXACT_CONCURRENCY ?? 4);
const DEVNET = "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1";
const PRICE = 1000n;

// The local chain answers as devnet (its genesis hash), so @x402/svm's client signs for it as is.
const ln = await startLocalnet({ port: 0, slotMs: 100, genesisHash: "devnet", usdcMint: USDC_MINTS.devnet });
const db = await freshDatabase("machpay_bench_x402");
const env = {
  DATABASE_URL: db.url,
  JWT_PRIVATE_KEY: JSON.stringify(await generateSigningJwk()),
  API_KEY_PEPPER: randomBase62(40),
  NODE_ENV: "production",
  DB_POOL_MAX: process.env.BENCH_POOL ?? "10",
  ENABLE_WORKERS: "false",
  SOLANA_RPC: ln.url,
  USDC_MINT: ln.mint,
  HOT_WALLET_SECRET_KEY: JSON.stringify(Array.from(ln.hotWallet.secretKey64)),
  X402_RATE_LIMIT_PER_MINUTE: "100000000",
};
const config = parseConfig(env);
const network = `machpay:${config.SOLANA_CLUSTER}`;
const { agents, vendors } = await createPaymentFixtures(db.sql, { agents: AGENTS, vendors: VENDORS, balance: 1_000_000_000_000n, mint: config.USDC_MINT, secrets: createSecrets(config, createLogger("silent")) });

// Every payment is signed before the timed runs (fresh nonces), so the load generator measures the server.
let nonce = 0n;
const PRESIGNED = Math.max(10_000, SECONDS * 8_000);
const intentAt = (i: number) => ({ agent: agents[i % AGENTS]!, vendor: vendors[i % VENDORS]! });
const requirementsOf = (vendor: BenchVendor): PaymentRequirements => ({
  scheme: "batch-settlement",
  network: network as PaymentRequirements["network"],
  amount: PRICE.toString(),
  asset: config.USDC_MINT,
  payTo: vendor.device.pubkey,
  // bench-fixtures sign deadlines an hour away.
  maxTimeoutSeconds: 3600,
  extra: {},
});
function x402Body(agent: BenchAgent, vendor: BenchVendor): string {
  const requirements = requirementsOf(vendor);
  const payload = signIntent(agent, vendor, config.USDC_MINT, PRICE, ++nonce);
  return JSON.stringify({ x402Version: 2, paymentPayload: { x402Version: 2, resource: { url: "https://bench.example/paid" }, accepted: requirements, payload }, paymentRequirements: requirements });
}
const presign = (make: (i: number) => { body: string; key: string }) => Array.from({ length: PRESIGNED }, (_, i) => make(i));
const gatewayBodies = presign((i) => ({ body: JSON.stringify(signIntent(intentAt(i).agent, intentAt(i).vendor, config.USDC_MINT, PRICE, ++nonce)), key: intentAt(i).vendor.gatewayKey }));
const settleBodies = presign((i) => ({ body: x402Body(intentAt(i).agent, intentAt(i).vendor), key: intentAt(i).vendor.gatewayKey }));
const verifyBodies = presign((i) => ({ body: x402Body(intentAt(i).agent, intentAt(i).vendor), key: intentAt(i).vendor.gatewayKey }));

const server = await startServer(env);
const post = (path: string, item: { body: string; key: string }) =>
  fetch(server.url + path, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${item.key}` }, body: item.body });
/** A paid request from a list; x402's refusals are 200 with success/isValid false: counted as errors. */
function sender(path: string, items: { body: string; key: string }[], field?: "success" | "isValid") {
  let i = 0;
  return async () => {
    const res = await post(path, items[i++ % items.length]!);
    if (!field || !res.ok) return res;
    const body = (await res.json()) as Record<string, unknown>;
    return new Response(null, { status: body[field] === true ? 200 : 409 });
  };
}

async function measured(send: () => Promise<Response>): Promise<{ result: LoadResult; cpu: string }> {
  const before = { server: cpuSeconds(server.pid), pg: postgresCpuSeconds() };
  const result = await closedLoop(send, CONCURRENCY, SECONDS);
  const per = (s: number) => ((s / Math.max(1, result.requests)) * 1e6).toFixed(0);
  return { result, cpu: `CPU per payment: server ${per(cpuSeconds(server.pid) - before.server)} us, PostgreSQL ${per(postgresCpuSeconds() - before.pg)} us` };
}

// Warm-up of both paths (JIT, connections, the intent verifier's thread, the device-key cache).
await closedLoop(sender("/v1/gateway/payments", gatewayBodies.splice(0, 2000)), CONCURRENCY, 1);
await closedLoop(sender("/x402/settle", settleBodies.splice(0, 2000), "success"), CONCURRENCY, 1);
// Two rounds, alternating, so that neither path runs only first or only while the machine is busier.
const sendGateway = sender("/v1/gateway/payments", gatewayBodies);
const sendSettle = sender("/x402/settle", settleBodies, "success");
const rounds: { gateway: Awaited<ReturnType<typeof measured>>; settle: Awaited<ReturnType<typeof measured>> }[] = [];
for (let r = 0; r < 2; r++) rounds.push({ gateway: await measured(sendGateway), settle: await measured(sendSettle) });
const verify = await measured(sender("/x402/verify", verifyBodies, "isValid"));

// exact: payers funded on the local chain, each payment a fresh transaction built by @x402/svm's client.
const vendor = vendors[0]!;
await ln.faucet.mintTo(vendor.device.pubkey, 1n);
const rpc = createSolanaRpc(ln.url);
const payers = await Promise.all(
  Array.from({ length: EXACT_CONCURRENCY }, async () => {
    const signer = await generateKeyPairSigner();
    await rpc.requestAirdrop(signer.address, lamports(1_000_000_000n)).send();
    await ln.faucet.mintTo(signer.address, 1_000_000_000n);
    return new ExactSvmScheme(signer, { rpcUrl: ln.url });
  }),
);
ln.advance(2);
const exactRequirements: PaymentRequirements = { scheme: "exact", network: DEVNET, amount: PRICE.toString(), asset: ln.mint, payTo: vendor.device.pubkey, maxTimeoutSeconds: 60, extra: { feePayer: ln.hotWallet.address } };
const exactTimes = { verify: [] as number[], settle: [] as number[], both: [] as number[] };
let exactErrors = 0;
let exactLeft = EXACT;
await Promise.all(
  payers.map(async (client) => {
    while (exactLeft-- > 0) {
      const { payload } = await client.createPaymentPayload(2, exactRequirements);
      const body = JSON.stringify({ x402Version: 2, paymentPayload: { x402Version: 2, accepted: exactRequirements, payload }, paymentRequirements: exactRequirements });
      const t0 = performance.now();
      const v = (await (await post("/x402/verify", { body, key: vendor.gatewayKey })).json()) as { isValid?: boolean };
      const t1 = performance.now();
      const s = (await (await post("/x402/settle", { body, key: vendor.gatewayKey })).json()) as { success?: boolean };
      const t2 = performance.now();
      if (!v.isValid || !s.success) exactErrors++;
      exactTimes.verify.push(t1 - t0);
      exactTimes.settle.push(t2 - t1);
      exactTimes.both.push(t2 - t0);
    }
  }),
);
await server.stop();

const report = await auditLedger(db.sql, config.USDC_MINT);
const [rows] = await db.sql<{ gateway: bigint; x402: bigint; exact: bigint }[]>`
  SELECT count(*) FILTER (WHERE source = 'gateway') AS gateway, count(*) FILTER (WHERE source = 'x402') AS x402, count(*) FILTER (WHERE source = 'x402_exact') AS exact FROM transactions`;
await db.drop();
await ln.close();

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;
const line = (name: string, r: { result: LoadResult; cpu: string }) =>
  `  ${name.padEnd(32)} ${r.result.rps.toFixed(0).padStart(7)}/s  p50 ${r.result.p50.toFixed(1)} ms  p99 ${r.result.p99.toFixed(1)} ms  max ${r.result.max.toFixed(1)} ms  errors ${r.result.errors}/${r.result.requests}  (${r.cpu})`;
const total = (path: "gateway" | "settle") => rounds.reduce((a, r) => ({ n: a.n + r[path].result.requests, s: a.s + r[path].result.seconds }), { n: 0, s: 0 });
const rate = (path: "gateway" | "settle") => total(path).n / Math.max(0.001, total(path).s);
const ratio = rate("settle") / Math.max(1, rate("gateway"));
const settleP99 = Math.max(...rounds.map((r) => r.settle.result.p99));
const p99Met = settleP99 < 50;
const ratioMet = ratio >= 0.8;

console.log(`bench-x402: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), Bun ${Bun.version}, synchronous_commit on (durable)`);
console.log(`  ${AGENTS} agents -> ${VENDORS} vendors, ${PRICE} atomic units each; ${CONCURRENCY} concurrent HTTP connections from this process; ${SECONDS} s per run; network ${network}`);
rounds.forEach((r, i) => {
  console.log(line(`POST /v1/gateway/payments #${i + 1}`, r.gateway));
  console.log(line(`POST /x402/settle #${i + 1}`, r.settle));
});
console.log(line("POST /x402/verify", verify));
console.log(`  exact on the local chain (${EXACT} payments, ${EXACT_CONCURRENCY} at once, slot 100 ms, confirmed = 1 slot, @x402/svm polls every 250 ms):`);
console.log(`    verify p50 ${pct(exactTimes.verify, 50).toFixed(1)} ms p99 ${pct(exactTimes.verify, 99).toFixed(1)} ms; settle p50 ${pct(exactTimes.settle, 50).toFixed(1)} ms p99 ${pct(exactTimes.settle, 99).toFixed(1)} ms; verify+settle p50 ${pct(exactTimes.both, 50).toFixed(1)} ms p99 ${pct(exactTimes.both, 99).toFixed(1)} ms; errors ${exactErrors}`);
console.log(`  ledger: ${rows!.gateway} gateway, ${rows!.x402} batch-settlement, ${rows!.exact} exact payments recorded; audit ${report.ok ? "balanced" : "NOT balanced"}`);
console.log(`  target batch-settlement settle p99 < 50 ms (worse round): ${settleP99.toFixed(1)} ms — ${p99Met ? "met" : "NOT met"}`);
console.log(`  target settles/s >= 80 % of the gateway path's (both rounds): ${rate("settle").toFixed(0)}/s vs ${rate("gateway").toFixed(0)}/s = ${(ratio * 100).toFixed(0)} % — ${ratioMet ? "met" : "NOT met"}`);
process.exit(report.ok && exactErrors === 0 ? 0 : 1);
