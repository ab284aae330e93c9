// Fault run on the cluster (issue 19): the topology of `bun run cluster` (etcd, two Patroni nodes
// with synchronous replication, HAProxy, two API replicas), payments through the API load balancer
// to both replicas, then a kill -9 of the primary: of its postmaster (CHAOS_FAILOVER_MODE=postgres,
// its Patroni stays and fails over at once: primary_start_timeout 0) or of the whole node, Patroni
// and PostgreSQL (=node: the leader key expires after Patroni's ttl). Patroni promotes the
// synchronous standby; the killed node then rejoins as the standby (by itself in postgres mode,
// its Patroni started again in node mode). Afterwards every payment without a definitive answer is
// replayed with its Idempotency-Key and the ledger read, as the other fault runs do (scripts/lib/chaos*.ts).
// Prints the seconds without a successful payment, acknowledged payments missing or doubled, the
// answers by status and code during the gap, the audit, the throughput before and after; exits 1
// when a payment is lost or doubled, or none succeeds within CHAOS_FAILOVER_TARGET_SECONDS (15) of the kill.
// Run: bun run chaos:failover   (CHAOS_FAILOVER_MODE=postgres|node, CHAOS_CYCLES (default 1),
//   CLUSTER_DB_ROUTE=multihost|haproxy, CHAOS_CLIENTS, CHAOS_TIMEOUT_MS, ...: scripts/lib/chaos.ts)
import { createSecrets } from "@/auth";
import { parseConfig } from "@/config";
import { createLogger } from "@/core/logger";
import { createSql } from "@/db/client";
import { createPaymentFixtures } from "./lib/bench-fixtures";
import { chaosSettings } from "./lib/chaos";
import { baselineSlow, faultFigures, outcomeOf, paymentFigures, type Fault } from "./lib/chaos-figures";
import { accountsOff, fetchAudit, readTransactions } from "./lib/chaos-ledger";
import { replayUnanswered, startLoad, succeeded, type Attempt, type Payment } from "./lib/chaos-load";
import { report } from "./lib/chaos-report";
import { CLUSTER_ROOT, startCluster, type DbRoute, type LocalCluster } from "./lib/cluster/local";
import { HAPROXY_CHECKS, PATRONI_DCS, type NodeName } from "./lib/cluster/settings";

const NAME = "chaos-failover";
// A longer warm-up than the other fault runs' 3 s: the throughput before the kill is measured on it.
const settings = { ...chaosSettings({ cycles: 1, pauseSeconds: 8 }), warmupSeconds: Number(process.env.CHAOS_WARMUP_SECONDS || 20) };
const mode = process.env.CHAOS_FAILOVER_MODE || "postgres";
if (mode !== "postgres" && mode !== "node") {
  console.error(`${NAME}: CHAOS_FAILOVER_MODE: expected postgres or node (got "${mode}")`);
  process.exit(2);
}
const route = (process.env.CLUSTER_DB_ROUTE || "multihost") as DbRoute;
if (route !== "multihost" && route !== "haproxy") {
  console.error(`${NAME}: CLUSTER_DB_ROUTE: expected multihost or haproxy (got "${route}")`);
  process.exit(2);
}
const targetMs = Number(process.env.CHAOS_FAILOVER_TARGET_SECONDS ?? 15) * 1000;
const FUNDED = 1_000_000_000_000n;
const AMOUNT = 1000n;

interface Failover {
  fault: Fault;
  from: NodeName;
  to: NodeName;
  /** The node back as synchronous standby, ms after the kill; null if not within the wait. */
  rejoinedMs: number | null;
  /** First 2xx answer to a request sent after the kill (epoch ms), null if none. */
  firstOkAt: number | null;
}

const firstAttempts = (payments: Payment[]) => payments.map((p) => p.attempts[0]!).filter(Boolean);

/** The first 2xx answer to a request sent at or after `since`; waits up to `deadlineMs`. */
async function firstSuccessAfter(payments: Payment[], since: number, deadlineMs: number): Promise<number | null> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    let best: number | null = null;
    for (let i = payments.length - 1; i >= 0; i--) {
      const a = payments[i]!.attempts[0];
      if (!a) continue;
      if (a.sentAt < since) break;
      if (succeeded(a) && (best === null || a.answeredAt < best)) best = a.answeredAt;
    }
    if (best !== null) return best;
    await Bun.sleep(50);
  }
  return null;
}

async function failover(cluster: LocalCluster, payments: Payment[], log: (l: string) => void): Promise<Failover> {
  const from = await cluster.leader();
  if (!from) throw new Error(`${NAME}: no primary before the fault`);
  const name = mode === "postgres" ? `kill -9 postmaster of ${from}` : `kill -9 node ${from} (Patroni + PostgreSQL)`;
  // The kill's time is taken once the signals are sent: finding a node's processes reads /proc first.
  if (mode === "postgres") cluster.killPostgres(from);
  else cluster.killNode(from);
  const startedAt = Date.now();
  const to = await cluster.waitForLeader({ not: from, timeoutMs: 60_000 });
  const endedAt = Date.now();
  log(`${name}: ${to} promoted ${((endedAt - startedAt) / 1000).toFixed(2)} s after the kill`);
  const firstOkAt = await firstSuccessAfter(payments, startedAt, settings.thresholds.healMs);
  if (mode === "node") cluster.startNode(from);
  let rejoinedMs: number | null = null;
  try {
    const sync = await cluster.waitForSyncStandby(90_000);
    if (sync === from) rejoinedMs = Date.now() - startedAt;
  } catch {
    // reported as not rejoined
  }
  log(`${from} ${rejoinedMs === null ? "did NOT rejoin" : `is the synchronous standby again ${(rejoinedMs / 1000).toFixed(2)} s after the kill`}`);
  const note = `${from} -> ${to}${rejoinedMs === null ? ", old primary not back" : `, ${from} sync standby again at ${(rejoinedMs / 1000).toFixed(1)} s`}`;
  return { fault: { name, startedAt, endedAt, note }, from, to, rejoinedMs, firstOkAt };
}

const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Acknowledged payments per second and the p99 of their first attempts, for first attempts sent in [from, to). */
function throughput(payments: Payment[], from: number, to: number): string {
  const window = firstAttempts(payments).filter((a) => a.sentAt >= from && a.sentAt < to && a.answeredAt <= to);
  const ok = window.filter(succeeded);
  const seconds = (to - from) / 1000;
  if (seconds <= 0.5 || window.length === 0) return "n/a (window too short)";
  const lat = ok.map((a) => a.answeredAt - a.sentAt).sort((a, b) => a - b);
  const p = (q: number) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))] ?? 0;
  return `${(ok.length / seconds).toFixed(0)} payments/s (p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, ${ok.length} in ${seconds.toFixed(1)} s)`;
}

function tally(attempts: Attempt[]): string {
  const map = new Map<string, number>();
  for (const a of attempts) map.set(outcomeOf(a), (map.get(outcomeOf(a)) ?? 0) + 1);
  return map.size === 0 ? "none" : [...map].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(", ");
}

/** The failover figures: the gap, the answers in it, the throughput around it. */
function failoverFigures(payments: Payment[], runs: Failover[], loadStart: number, loadEnd: number) {
  const lines: string[] = [];
  const verdicts: [boolean, string][] = [];
  const all = payments.flatMap((p) => p.attempts);
  runs.forEach((r, i) => {
    const kill = r.fault.startedAt;
    const firstOk = r.firstOkAt;
    const gapEnd = firstOk ?? loadEnd;
    // The longest stretch between two 2xx answers (of any request) from the kill to the first 2xx
    // of a request sent after it: requests in flight at the kill may still be answered 2xx.
    const oks = all.filter((a) => succeeded(a) && a.answeredAt <= gapEnd).map((a) => a.answeredAt).sort((a, b) => a - b);
    let prev = oks.filter((t) => t <= kill).at(-1) ?? kill;
    let withoutMs = 0;
    for (const t of [...oks.filter((t) => t > kill), gapEnd]) {
      withoutMs = Math.max(withoutMs, t - prev);
      prev = t;
    }
    const inGap = all.filter((a) => a.answeredAt > kill && a.answeredAt <= gapEnd);
    const prevEnd = i === 0 ? loadStart + settings.thresholds.graceMs : (runs[i - 1]!.firstOkAt ?? kill) + settings.thresholds.graceMs;
    const next = runs[i + 1]?.fault.startedAt ?? loadEnd;
    lines.push(`failover ${i + 1} (${r.fault.name}):`);
    lines.push(`  promoted ${r.to} ${sec(r.fault.endedAt - kill)} after the kill; first 2xx of a request sent after the kill: ${firstOk === null ? "NONE" : `${sec(firstOk - kill)} after the kill`}`);
    lines.push(`  seconds without a successful payment: ${sec(withoutMs)} (the longest stretch without a 2xx answer, from the last one before the kill to the first 2xx of a request sent after it)`);
    lines.push(`  answers from the kill to that first 2xx, by status and code: to requests sent before the kill: ${tally(inGap.filter((a) => a.sentAt < kill))}; sent after: ${tally(inGap.filter((a) => a.sentAt >= kill))}`);
    lines.push(`  throughput before: ${throughput(payments, prevEnd, kill)}`);
    // Until the old primary is back the new one runs alone (and, in node mode, serves its clone or rewind).
    const rejoinedAt = r.rejoinedMs === null ? null : kill + r.rejoinedMs;
    const afterFrom = firstOk === null ? null : firstOk + settings.thresholds.graceMs;
    lines.push(`  throughput after (from first 2xx + ${sec(settings.thresholds.graceMs)} until ${r.from} is back as standby): ${afterFrom === null ? "n/a" : throughput(payments, afterFrom, Math.min(rejoinedAt ?? next, next))}`);
    lines.push(`  throughput after ${r.from} is back as synchronous standby: ${rejoinedAt === null ? "n/a" : throughput(payments, Math.max(rejoinedAt, afterFrom ?? rejoinedAt), next)}`);
    lines.push(`  ${r.from} back as synchronous standby: ${r.rejoinedMs === null ? "NO" : `${sec(r.rejoinedMs)} after the kill`}`);
    verdicts.push([firstOk !== null && firstOk - kill <= targetMs, `failover ${i + 1}: payments flow again within ${sec(targetMs)} of the kill (${firstOk === null ? "none" : sec(firstOk - kill)})`]);
    verdicts.push([r.rejoinedMs !== null, `failover ${i + 1}: ${r.from} rejoined as the synchronous standby`]);
  });
  lines.push(`acknowledged payments per second, 5 s steps from the start of the load (kills at ${runs.map((r) => sec(r.fault.startedAt - loadStart)).join(", ")}): ${timeline(payments, loadStart, loadEnd, 5000)}`);
  return { lines, verdicts };
}

function timeline(payments: Payment[], from: number, to: number, stepMs: number): string {
  const buckets = new Array<number>(Math.ceil((to - from) / stepMs)).fill(0);
  for (const a of firstAttempts(payments)) {
    if (succeeded(a) && a.answeredAt >= from && a.answeredAt < to) buckets[Math.floor((a.answeredAt - from) / stepMs)]!++;
  }
  return buckets.map((n) => (n / (stepMs / 1000)).toFixed(0)).join(" ");
}

const log = (line: string) => console.error(`${NAME}: ${line}`);
const s = settings;
let cluster: LocalCluster | undefined;
let ok = false;
try {
  cluster = await startCluster({
    route,
    log,
    // No chain here, as in the other fault runs; the pool of each replica as chaos:pg's server.
    apiEnv: { ENABLE_WORKERS: "false", DB_POOL_MAX: String(s.pool), LOG_LEVEL: "warn" },
  });
  const config = parseConfig(cluster.apiEnv);
  const secrets = createSecrets(config, createLogger("silent"));
  let sql = createSql(cluster.urls.haproxyPrimary, { max: 4, applicationName: NAME });
  const { agents, vendors } = await createPaymentFixtures(sql, { agents: s.agents, vendors: s.vendors, balance: FUNDED, mint: config.USDC_MINT, secrets });
  await sql.end({ timeout: 5 });

  const gateway = Math.min(s.gatewayClients, s.clients);
  const load = startLoad({ baseUrl: cluster.urls.apiLb, clients: s.clients, gatewayClients: gateway, timeoutMs: s.timeoutMs, backoffMs: s.backoffMs, agents, vendors, mint: config.USDC_MINT, amount: AMOUNT });
  const loadStart = Date.now();
  await Bun.sleep(s.warmupSeconds * 1000);
  const runs: Failover[] = [];
  for (let i = 0; i < s.cycles; i++) {
    const r = await failover(cluster, load.payments, log);
    runs.push(r);
    if (r.firstOkAt === null) break;
    if (i + 1 < s.cycles) await Bun.sleep(s.pauseSeconds * 1000);
  }
  await Bun.sleep(s.tailSeconds * 1000);
  const loadEnd = Date.now();
  await load.stop();

  const replayStart = Date.now();
  const replayed = await replayUnanswered(load.payments, { timeoutMs: s.timeoutMs, concurrency: 16, deadlineMs: s.replaySeconds * 1000 });
  const replaySeconds = (Date.now() - replayStart) / 1000;

  sql = createSql(cluster.urls.haproxyPrimary, { max: 4, applicationName: NAME });
  const rows = await readTransactions(sql);
  const accounts = await accountsOff(sql, FUNDED);
  await sql.end({ timeout: 5 });
  const audit = await fetchAudit(cluster.urls.apiLb, cluster.apiEnv.ADMIN_TOKEN!);
  const unexpectedExits = cluster.apiUnexpectedExits();
  const stopped = await cluster.stop();
  cluster = undefined;

  const faults = runs.map((r) => r.fault);
  const d = PATRONI_DCS;
  const c = HAPROXY_CHECKS;
  ok = report({
    name: NAME,
    conditions: [
      `cluster (scripts/lib/cluster): etcd, 2 Patroni 3.0.2 nodes (PostgreSQL 15, synchronous_mode, strict ${d.synchronous_mode_strict}; ttl ${d.ttl} s, loop_wait ${d.loop_wait} s, retry_timeout ${d.retry_timeout} s, primary_start_timeout ${d.primary_start_timeout}), HAProxy (checks inter ${c.inter}, downinter ${c.downinter}, fall ${c.fall}, rise ${c.rise}, on-marked-down ${c.onMarkedDown}); logs under ${CLUSTER_ROOT}/logs`,
      `API: 2 replicas (bun src/main.ts, NODE_ENV=production, BROKER=postgres, pool ${s.pool} each) behind HAProxy; DATABASE_URL ${route === "multihost" ? "names both nodes, target_session_attrs=read-write" : "is HAProxy's primary frontend"} (CLUSTER_DB_ROUTE=${route})`,
      `load: ${s.clients} clients (${s.clients - gateway} POST /v1/agent/pay, ${gateway} POST /v1/gateway/payments) through the load balancer, ${s.agents} agents -> ${s.vendors} vendors, a unique reference and Idempotency-Key per payment, client timeout ${s.timeoutMs} ms, ${s.backoffMs} ms back-off after a non-definitive answer`,
      `faults: ${s.cycles} x ${mode === "postgres" ? "kill -9 of the primary's postmaster (its Patroni stays)" : "kill -9 of the primary's node (Patroni, postmaster, backends), its Patroni started again after the first 2xx"}; warm-up ${s.warmupSeconds} s, ${s.pauseSeconds} s between faults, tail ${s.tailSeconds} s; 'down' = kill to the standby answering Patroni /primary`,
    ],
    thresholds: s.thresholds,
    loadStart,
    loadSeconds: (loadEnd - loadStart) / 1000,
    replayed,
    replaySeconds,
    faults: faultFigures(load.payments, faults, loadEnd, s.thresholds),
    faultsPlanned: s.cycles,
    baseline: baselineSlow(load.payments, loadStart, faults, s.thresholds),
    payments: paymentFigures(load.payments, rows, s.thresholds),
    accounts,
    audit,
    unexpectedServerExits: unexpectedExits,
    shutdown: { onSigterm: stopped.apisOnSigterm, seconds: stopped.apiStopSeconds, deadlineSeconds: s.stopSeconds },
    extra: failoverFigures(load.payments, runs, loadStart, loadEnd),
  });
} catch (err) {
  console.error(`${NAME}: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  await cluster?.stop().catch(() => {});
}
process.exit(ok ? 0 : 1);
