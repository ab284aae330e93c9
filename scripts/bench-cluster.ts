// Capacity on the cluster against the single node (issue 19, docs/scaling.md), in one run on this
// machine: POST /v1/agent/pay in a closed loop (BENCH_CONCURRENCY connections, 200 agents paying 4
// vendors, durable commits) and pgbench simple-update, first on the machine's own PostgreSQL with
// one API instance, then on the topology of `bun run cluster` (two Patroni nodes, synchronous
// replication, HAProxy): one API instance straight to it (the cost of synchronous replication,
// same everything else), then both instances behind the HAProxy API frontend. Also the WAL a
// payment writes, which is what a standby must receive and fsync before a COMMIT is acknowledged.
// Target (issue 19): two API instances on the cluster carry at least the throughput of one on the
// single node at the same p99.
// Run: bun run bench:cluster  (BENCH_SECONDS per run, default 10; BENCH_CONCURRENCY, default 128)
import os from "node:os";
import { createSecrets, generateSigningJwk } from "@/auth";
import { parseConfig } from "@/config";
import { randomBase62 } from "@/core/ids";
import { createLogger } from "@/core/logger";
import { createSql, splitDatabaseUrl, type Sql } from "@/db/client";
import { auditLedger } from "@/ledger";
import { closedLoop, fmt, freshDatabase, startServer, type LoadResult } from "./lib/bench";
import { createPaymentFixtures, type BenchAgent, type BenchVendor } from "./lib/bench-fixtures";
import { startCluster } from "./lib/cluster/local";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 128);
const AGENTS = 200;
const VENDORS = 4;
const BENCH_ENV = { LOG_LEVEL: "warn", RATE_LIMIT_AUTH_PER_MINUTE: "100000", PAYMENT_BATCH_MAX: "256" };

interface Run {
  label: string;
  load: LoadResult;
  /** WAL bytes written per payment during the run. */
  walPerPayment: number;
}

async function walLsn(sql: Sql): Promise<bigint> {
  const [row] = await sql<{ b: bigint }[]>`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint AS b`;
  return row!.b;
}

/** Closed-loop payments against `urls` (round-robin per request), the WAL they wrote read on `sql`. */
async function payRun(label: string, urls: string[], sql: Sql, agents: BenchAgent[], vendors: BenchVendor[]): Promise<Run> {
  let k = 0;
  const pay = () => {
    const i = k++;
    return fetch(urls[i % urls.length] + "/v1/agent/pay", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${agents[i % AGENTS]!.key}` },
      body: JSON.stringify({ to: vendors[i % VENDORS]!.id.toString(), amount_atomic: "1000" }),
    });
  };
  await closedLoop(pay, CONCURRENCY, 2); // warm-up: pools open, caches filled
  const before = await walLsn(sql);
  const load = await closedLoop(pay, CONCURRENCY, SECONDS);
  const wal = Number((await walLsn(sql)) - before);
  return { label, load, walPerPayment: load.requests ? wal / load.requests : 0 };
}

/** pgbench -N (one UPDATE and two INSERTs, a commit each) on a scratch database of the server at `url`. */
async function pgbench(url: string): Promise<number> {
  const u = new URL(splitDatabaseUrl(url).adminUrl);
  const admin = createSql(u.toString(), { max: 1 });
  const name = `machpay_pgbench_${Date.now()}`;
  await admin.unsafe(`CREATE DATABASE "${name}"`);
  try {
    const args = ["-h", u.hostname, "-p", u.port || "5432", "-U", decodeURIComponent(u.username) || "postgres"];
    await Bun.spawn(["pgbench", ...args, "-i", "-q", "-s", "10", name], { stdout: "ignore", stderr: "ignore" }).exited;
    const run = Bun.spawn(["pgbench", ...args, "-N", "-c", "32", "-j", "2", "-T", String(Math.min(SECONDS, 10)), name], { stdout: "pipe", stderr: "ignore" });
    const out = await new Response(run.stdout).text();
    return Number(/tps = ([\d.]+)/.exec(out)?.[1] ?? 0);
  } finally {
    await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end({ timeout: 5 });
  }
}

async function fixtures(sql: Sql, env: Record<string, string>) {
  const config = parseConfig(env);
  const secrets = createSecrets(config, createLogger("silent"));
  return createPaymentFixtures(sql, { agents: AGENTS, vendors: VENDORS, balance: 1_000_000_000_000n, mint: config.USDC_MINT, secrets });
}

const runs: Run[] = [];
const line = (r: Run) => `${r.label.padEnd(44)} ${fmt(r.load)}   WAL ${(r.walPerPayment / 1024).toFixed(2)} KiB/payment`;

// --- The single node: the machine's PostgreSQL, one API instance ---------------------------------
const db = await freshDatabase("machpay_bench_cluster");
const singleEnv = { ...BENCH_ENV, DATABASE_URL: db.url, JWT_PRIVATE_KEY: JSON.stringify(await generateSigningJwk()), API_KEY_PEPPER: randomBase62(40), NODE_ENV: "production" };
const single = await fixtures(db.sql, singleEnv);
const server = await startServer(singleEnv);
runs.push(await payRun("single node, 1 API instance", [server.url], db.sql, single.agents, single.vendors));
console.log(line(runs.at(-1)!));
await server.stop();
const singleAudit = await auditLedger(db.sql, parseConfig(singleEnv).USDC_MINT);
// What a payment leaves on disk in the ledger's table (heap, indexes, TOAST), for retention planning.
const [stored] = await db.sql<{ bytes: bigint; n: bigint }[]>`SELECT pg_total_relation_size('transactions')::bigint AS bytes, (SELECT count(*) FROM transactions) AS n`;
const bytesPerPayment = stored!.n > 0n ? Number(stored!.bytes) / Number(stored!.n) : 0;
const singleTps = await pgbench(db.url);
await db.drop();

// --- The cluster: synchronous replication, one instance, then two behind HAProxy ------------------
const cluster = await startCluster({ apiEnv: BENCH_ENV, log: () => undefined });
let clusterTps = 0;
let clusterAudit: Awaited<ReturnType<typeof auditLedger>> | undefined;
try {
  const sql = createSql(cluster.urls.databaseUrl, { max: 4, applicationName: "bench" });
  const onCluster = await fixtures(sql, cluster.apiEnv);
  runs.push(await payRun("cluster (sync standby), 1 API instance", [cluster.urls.apis[0]!], sql, onCluster.agents, onCluster.vendors));
  console.log(line(runs.at(-1)!));
  runs.push(await payRun("cluster (sync standby), 2 API behind HAProxy", [cluster.urls.apiLb], sql, onCluster.agents, onCluster.vendors));
  console.log(line(runs.at(-1)!));
  clusterAudit = await auditLedger(sql, parseConfig(cluster.apiEnv).USDC_MINT);
  await sql.end({ timeout: 5 });
  clusterTps = await pgbench(cluster.urls.haproxyPrimary);
} finally {
  await cluster.stop();
}

const [one, syncOne, syncTwo] = runs as [Run, Run, Run];
const pct = (a: number, b: number) => `${((a / b) * 100).toFixed(0)} %`;
console.log("");
console.log(`bench:cluster  ${CONCURRENCY} connections, ${SECONDS} s per run, ${AGENTS} agents -> ${VENDORS} vendors, POST /v1/agent/pay, durable commits`);
console.log(`machine: ${os.cpus().length} CPUs, ${Math.round(os.totalmem() / 2 ** 30)} GiB, everything (etcd, 2 Patroni + PostgreSQL, HAProxy, APIs, this load generator) on it`);
console.log(`  synchronous replication: 1 API instance ${pct(syncOne.load.rps, one.load.rps)} of the single node's payments/s (p99 ${syncOne.load.p99.toFixed(1)} vs ${one.load.p99.toFixed(1)} ms)`);
console.log(`  pgbench simple-update (-N, 32 clients): single node ${singleTps.toFixed(0)} tps, cluster primary with sync standby ${clusterTps.toFixed(0)} tps (${pct(clusterTps, singleTps)})`);
console.log(`  storage: the transactions table (heap and indexes) holds ${bytesPerPayment.toFixed(0)} bytes per payment on the single node`);
console.log(`  audit: single node ${singleAudit.ok ? "balanced" : "NOT balanced"}, cluster ${clusterAudit?.ok ? "balanced" : "NOT balanced"}`);
const met = syncTwo.load.rps >= one.load.rps && syncTwo.load.p99 <= one.load.p99 * 1.1;
console.log(
  `  target: 2 API instances on the cluster >= 1 on the single node at the same p99 (within 10 %): ${met ? "met" : "NOT met"} ` +
    `(${syncTwo.load.rps.toFixed(0)} vs ${one.load.rps.toFixed(0)} payments/s, ${pct(syncTwo.load.rps, one.load.rps)}; p99 ${syncTwo.load.p99.toFixed(1)} vs ${one.load.p99.toFixed(1)} ms)`,
);
const load = os.loadavg().map((x) => x.toFixed(2)).join(" ");
console.log(`load average at the end: ${load}`);
process.exit(singleAudit.ok && clusterAudit?.ok ? 0 : 1);
