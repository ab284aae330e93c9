// Telemetry ingest: the receiver (`bun src/main.ts receiver`) in its own process, this process the
// load generator: gateways posting CloudEvents batches of 100 payment.authorized events to
// POST /v1/ingest, each request signed by its gateway's linked device key (Authorization: Ingest,
// over the body's sha256).
// Phase 1, open loop at the target rate (requests sent on schedule, at most BENCH_MAX_IN_FLIGHT
// unanswered; one that cannot be sent on time is counted late): events/s, request latency, and
// once the queue drained, the rows counted against the accepted events (none may be lost below the
// backpressure point). Then a closed loop as fast as the receiver answers: its ceiling (informative;
// past the point, 429s are expected there).
// Phase 2, past the point: the writes are held (a lock on payment_authorized, as a database that
// cannot keep up), the queue fills to its bound and answers 429; the receiver's RSS is sampled
// before, during and after (it must stay flat), then the lock goes and every accepted event must land.
// Run: bun run bench:ingest  (BENCH_SECONDS=10, BENCH_RATE=50000 events/s, BENCH_MAX_IN_FLIGHT=64,
//   BENCH_CONCURRENCY=16 (the closed loop), BENCH_GATEWAYS=8, BENCH_PUSH_SECONDS=5,
//   BENCH_PUSH_CONCURRENCY=64, RECEIVER_* passed through to the receiver)
import { createHash, sign } from "node:crypto";
import os from "node:os";
import { readFileSync } from "node:fs";
import { getBase58Decoder } from "@solana/kit";
import { createSecrets, generateSigningJwk } from "@/auth";
import { parseConfig } from "@/config";
import { randomBase62 } from "@/core/ids";
import { createLogger } from "@/core/logger";
import { closedLoop, cpuSeconds, freshDatabase, postgresCpuSeconds, startServer, type LoadResult } from "./lib/bench";
import { createPaymentFixtures, type BenchVendor } from "./lib/bench-fixtures";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RATE = Number(process.env.BENCH_RATE ?? 50_000);
const MAX_IN_FLIGHT = Number(process.env.BENCH_MAX_IN_FLIGHT ?? 64);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const GATEWAYS = Number(process.env.BENCH_GATEWAYS ?? 8);
const PUSH_SECONDS = Number(process.env.BENCH_PUSH_SECONDS ?? 5);
const PUSH_CONCURRENCY = Number(process.env.BENCH_PUSH_CONCURRENCY ?? 64);
const BATCH = 100;
const TARGET_EVENTS_PER_SECOND = 50_000;
const TARGET_P99_MS = 50;

const b58 = getBase58Decoder();
const db = await freshDatabase("machpay_bench_ingest");
const pepper = randomBase62(40);
const receiverEnv: Record<string, string> = {
  DATABASE_URL: db.url,
  NODE_ENV: "production",
  JWT_PRIVATE_KEY: JSON.stringify(await generateSigningJwk()),
  API_KEY_PEPPER: pepper,
  DB_POOL_MAX: process.env.BENCH_POOL ?? "10",
  ...Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith("RECEIVER_") && e[1] !== undefined)),
};
const config = parseConfig(receiverEnv);
const { vendors } = await createPaymentFixtures(db.sql, { agents: 0, vendors: GATEWAYS, balance: 0n, mint: config.USDC_MINT, secrets: createSecrets(config, createLogger("silent")) });
const receiver = await startServer(receiverEnv, { args: ["receiver"], portVariable: "RECEIVER_PORT" });

// ---- the gateway side -------------------------------------------------------------------------

let sequence = 0;
const agentKey = "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU";

/** One gateway's batch, as its dispatcher sends it: 100 distinct events, signed over the body. */
function signedBatch(vendor: BenchVendor): { body: string; authorization: string } {
  const time = new Date().toISOString();
  const events: string[] = [];
  for (let i = 0; i < BATCH; i++) {
    const id = `${process.pid}-${++sequence}`;
    events.push(
      `{"specversion":"1.0","id":"${id}","type":"com.machpay.payment.authorized","source":"gateway-${vendor.id}","time":"${time}",` +
        `"datacontenttype":"application/json","data":{"agent_id":"${agentKey}","amount":${1000 + (sequence % 9000)},` +
        `"token":"${config.USDC_MINT}","service_id":"svc_chat","latency_ms":${sequence % 120}}}`,
    );
  }
  const body = `[${events.join(",")}]`;
  const ts = Math.floor(Date.now() / 1000);
  const digest = createHash("sha256").update(body).digest("hex");
  const signature = b58.decode(sign(null, Buffer.from(`machpay-ingest:POST:/v1/ingest:${ts}:${digest}`), vendor.device.privateKey));
  return { body, authorization: `Ingest ${vendor.device.pubkey}:${ts}:${signature}` };
}

let accepted = 0;
let refused = 0;
let next = 0;
function post(): Promise<Response> {
  const { body, authorization } = signedBatch(vendors[next++ % vendors.length]!);
  return fetch(`${receiver.url}/v1/ingest`, { method: "POST", headers: { "content-type": "application/json", authorization }, body }).then((res) => {
    if (res.status === 202) accepted += BATCH;
    else if (res.status === 429) refused += BATCH;
    return res;
  });
}

/** Requests at `rate` events/s for `seconds`, on schedule (every 5 ms, the requests due by then). */
async function openLoop(rate: number, seconds: number): Promise<LoadResult & { late: number }> {
  const latencies: number[] = [];
  let errors = 0;
  let late = 0;
  let inFlight = 0;
  let sent = 0;
  const pending = new Set<Promise<void>>();
  const started = performance.now();
  const total = Math.round((seconds * rate) / BATCH);
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * (rate / BATCH)));
    while (sent < due) {
      sent++;
      if (inFlight >= MAX_IN_FLIGHT) {
        late++;
        continue;
      }
      inFlight++;
      const t0 = performance.now();
      const p: Promise<void> = post()
        .then(async (res) => {
          await res.arrayBuffer();
          latencies.push(performance.now() - t0);
          if (!res.ok) errors++;
        })
        .finally(() => {
          inFlight--;
          pending.delete(p);
        });
      pending.add(p);
    }
    await Bun.sleep(5);
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor((q / 100) * latencies.length))] ?? 0;
  return { requests: latencies.length, errors, seconds: elapsed, rps: latencies.length / elapsed, p50: pct(50), p95: pct(95), p99: pct(99), max: latencies.at(-1) ?? 0, late };
}

// ---- the receiver's side -----------------------------------------------------------------------

function rssMb(): number {
  const line = readFileSync(`/proc/${receiver.pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB$/m);
  return line ? Number(line[1]) / 1024 : NaN;
}

const stored = async () => Number((await db.sql`SELECT count(*)::int AS n FROM payment_authorized`)[0]!.n);

/**
 * Waits until `expected` rows are stored, or they stop coming for 5 s (then some were lost). The
 * row count is read rather than the receiver's /metrics, whose process figures (a heap walk) would
 * cost the receiver more than the bench measures.
 */
async function drained(expected: number): Promise<number> {
  const started = performance.now();
  let last = -1;
  let since = performance.now();
  for (;;) {
    const n = await stored();
    if (n >= expected) break;
    if (n !== last) {
      last = n;
      since = performance.now();
    } else if (performance.now() - since > 5000) break;
    await Bun.sleep(100);
  }
  return (performance.now() - started) / 1000;
}

const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
const ms = (v: number) => `${v.toFixed(1)} ms`;

console.log(`bench:ingest  ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${(await db.sql`SELECT version()`)[0]!.version.split(",")[0]}`);
console.log(
  `conditions: receiver in its own process (NODE_ENV=production, LOG_LEVEL=warn, pool ${config.DB_POOL_MAX}, flush ${config.RECEIVER_FLUSH_EVENTS} events / ${config.RECEIVER_FLUSH_INTERVAL_MS} ms, ` +
    `${config.RECEIVER_FLUSH_CONCURRENCY} flushes at once, queue bound ${config.RECEIVER_QUEUE_MAX_EVENTS} events / ${(config.RECEIVER_QUEUE_MAX_BYTES / 2 ** 20).toFixed(0)} MiB); ` +
    `this process the load generator: ${GATEWAYS} gateways, batches of ${BATCH} payment.authorized events, each request signed by the gateway's device key; ` +
    `flush transactions with synchronous_commit off (telemetry is lossy by design; payments keep theirs)`,
);

// ---- phase 1: below the backpressure point ------------------------------------------------------

await closedLoop(post, Math.min(4, CONCURRENCY), 1); // warm-up (JIT, connections, caches)
await drained(accepted);
const baseline = { accepted, stored: await stored() };
accepted = 0;
refused = 0;
const cpu0 = { receiver: cpuSeconds(receiver.pid), postgres: postgresCpuSeconds(), loadgen: process.cpuUsage() };
const load = await openLoop(RATE, SECONDS);
const cpu1 = { receiver: cpuSeconds(receiver.pid), postgres: postgresCpuSeconds(), loadgen: process.cpuUsage(cpu0.loadgen) };
const phase1 = { accepted, refused };
const drainSeconds = await drained(baseline.stored + phase1.accepted);
const lost = baseline.stored + phase1.accepted - (await stored());
// Over the sending window: every request due was sent on time and accepted, or the rate was not held.
const eventsPerSecond = phase1.accepted / SECONDS;

console.log(`\nphase 1: open loop at ${RATE} events/s (${RATE / BATCH} requests/s, at most ${MAX_IN_FLIGHT} unanswered), ${load.seconds.toFixed(1)} s`);
console.log(
  `  ${eventsPerSecond.toFixed(0)} events/s accepted (${load.rps.toFixed(0)} requests/s; ${phase1.accepted} events, ${phase1.refused} refused with 429, ${load.errors} non-2xx, ${load.late} requests not sent on time)`,
);
console.log(`  request latency p50 ${ms(load.p50)}  p95 ${ms(load.p95)}  p99 ${ms(load.p99)}  max ${ms(load.max)}`);
console.log(`  queue drained ${drainSeconds.toFixed(1)} s after the load stopped; events accepted but not in payment_authorized: ${lost}`);
const cpu = (s: number) => `${((s / load.seconds) * 100).toFixed(0)}%`;
console.log(
  `  CPU over the run: receiver ${cpu(cpu1.receiver - cpu0.receiver)}, PostgreSQL ${cpu(cpu1.postgres - cpu0.postgres)} (every postgres process of the machine), load generator ${cpu((cpu1.loadgen.user + cpu1.loadgen.system) / 1e6)} (of one core)`,
);
console.log(`  target >= ${TARGET_EVENTS_PER_SECOND} events/s: ${verdict(RATE >= TARGET_EVENTS_PER_SECOND && load.late === 0 && phase1.refused === 0 && load.errors === 0 && phase1.accepted === Math.round((SECONDS * RATE) / BATCH) * BATCH)}`);
console.log(`  target p99 <= ${TARGET_P99_MS} ms: ${verdict(load.p99 <= TARGET_P99_MS)}`);
console.log(`  target no event lost below the backpressure point: ${verdict(lost === 0 && phase1.refused === 0)}${phase1.refused > 0 ? " (429s: this rate is past the point on this machine)" : ""}`);

accepted = 0;
refused = 0;
const ceiling: LoadResult = await closedLoop(post, CONCURRENCY, Math.min(SECONDS, 5));
const ceilingEvents = { accepted, refused };
await drained(baseline.stored + phase1.accepted + ceilingEvents.accepted);
console.log(`\nceiling: closed loop, ${CONCURRENCY} connections, ${ceiling.seconds.toFixed(1)} s (informative)`);
console.log(
  `  ${(ceilingEvents.accepted / ceiling.seconds).toFixed(0)} events/s accepted, ${ceilingEvents.refused} refused with 429; ${ceiling.rps.toFixed(0)} requests/s, p50 ${ms(ceiling.p50)}, p99 ${ms(ceiling.p99)}`,
);
console.log(`  events accepted but not written once drained: ${baseline.stored + phase1.accepted + ceilingEvents.accepted - (await stored())}`);

// ---- phase 2: past the backpressure point -------------------------------------------------------

const holder = await db.sql.reserve();
await holder`BEGIN`;
// COPY into payment_authorized needs ROW EXCLUSIVE: held back, the flushes wait and the queue fills.
await holder`LOCK TABLE payment_authorized IN SHARE MODE`;
accepted = 0;
refused = 0;
const rssBefore = rssMb();
const samples: { at: number; rss: number; queued: number }[] = [];
// Nothing is written while the lock is held: what phase 2 accepted is what the receiver holds.
const sampler = setInterval(() => samples.push({ at: performance.now(), rss: rssMb(), queued: accepted }), 500);
const push = await closedLoop(post, PUSH_CONCURRENCY, PUSH_SECONDS);
clearInterval(sampler);
const rssAtEnd = rssMb();
const phase2 = { accepted, refused };
await holder`COMMIT`;
holder.release();
await drained(baseline.stored + phase1.accepted + ceilingEvents.accepted + phase2.accepted);
const rssAfter = rssMb();
const lostOverall = baseline.stored + phase1.accepted + ceilingEvents.accepted + phase2.accepted - (await stored());
const full = samples.findIndex((s) => s.queued >= config.RECEIVER_QUEUE_MAX_EVENTS - BATCH * PUSH_CONCURRENCY);
const atBound = full >= 0 ? samples[full]!.rss : NaN;
const growth = rssAtEnd - atBound;

console.log(`\nphase 2: writes held, ${PUSH_CONCURRENCY} connections, ${push.seconds.toFixed(1)} s`);
console.log(`  ${phase2.accepted} events accepted (to the queue's bound), ${phase2.refused} refused with 429; ${push.rps.toFixed(0)} requests/s, p99 ${ms(push.p99)}`);
console.log(`  receiver RSS: before ${rssBefore.toFixed(0)} MB, once the queue was full ${atBound.toFixed(0)} MB, at the end ${rssAtEnd.toFixed(0)} MB, after draining ${rssAfter.toFixed(0)} MB`);
console.log(`  samples (s, RSS MB, queued events): ${samples.map((s) => `${((s.at - samples[0]!.at) / 1000).toFixed(1)}:${s.rss.toFixed(0)}/${s.queued}`).join("  ")}`);
console.log(`  target 429s past the point: ${verdict(phase2.refused > 0)}`);
console.log(`  target flat memory once full (growth ${Number.isNaN(growth) ? "n/a" : `${growth.toFixed(0)} MB`} <= 10% of RSS): ${verdict(full >= 0 && growth <= atBound * 0.1)}`);
console.log(`  target every accepted event written once the writes resumed: ${verdict(lostOverall === 0)} (${lostOverall} missing)`);

await receiver.stop(15_000);
await db.drop();
