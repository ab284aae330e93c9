// Public dashboard endpoints over HTTP at a million transactions: seeds a fresh database in SQL
// (generate_series; the rollup trigger of sql/0011 runs as for real payments), starts the real
// server in another process, and prints p50/p95 per endpoint. Target: each under 50 ms p95.
// Run: bun run scripts/bench-public.ts  (BENCH_TRANSACTIONS, BENCH_SECONDS, BENCH_CONCURRENCY)
import os from "node:os";
import { generateSigningJwk } from "@/auth";
import { randomBase62 } from "@/core/ids";
import { REGIONS } from "@/public";
import { closedLoop, fmt, freshDatabase, startServer } from "./lib/bench";

const TRANSACTIONS = Number(process.env.BENCH_TRANSACTIONS ?? 1_000_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const AGENTS = 2000;
const VENDORS = 200;
const MINT = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";

const db = await freshDatabase("machpay_bench_public");
const sql = db.sql;
const regions = REGIONS.map((r) => r.id);
try {
  let t0 = performance.now();
  await sql`
    INSERT INTO users (email, name, role)
    SELECT 'agent' || i || '@bench.test', 'Agent ' || i, 'architect' FROM generate_series(1, ${AGENTS}) AS i`;
  await sql`
    INSERT INTO users (email, name, role)
    SELECT 'vendor' || i || '@bench.test', 'Vendor ' || i, 'operator' FROM generate_series(1, ${VENDORS}) AS i`;
  await sql`
    INSERT INTO profiles (user_id, type, name, service_type, withdrawal_address, base_price_atomic)
    SELECT id, CASE WHEN role = 'architect' THEN 'agent' ELSE 'vendor' END, name,
           CASE WHEN role = 'operator' THEN 'inference-llm' END,
           CASE WHEN role = 'operator' THEN '9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin' END,
           CASE WHEN role = 'operator' THEN 5000 END
    FROM users`;
  await sql`
    INSERT INTO vendor_regions (vendor_id, region)
    SELECT id, (${regions}::text[])[1 + id % ${regions.length}] FROM users WHERE role = 'operator'`;
  // A third of the payments in the last 24 hours, the rest over the 30 days before.
  await sql`
    INSERT INTO transactions (id, hash, from_agent_id, to_vendor_id, amount_atomic, token_mint, latency_ms, source, region, created_at)
    SELECT 'tx_bench_' || i,
           encode(sha256(('bench' || i)::bytea), 'hex'),
           1 + (i * 7919) % ${AGENTS},
           ${AGENTS} + 1 + (i * 104729) % ${VENDORS},
           1000 + (i * 37) % 100000,
           ${MINT},
           3 + i % 120,
           'api',
           (${regions}::text[])[1 + i % ${regions.length}],
           now() - CASE WHEN i % 3 = 0 THEN random() * interval '24 hours' ELSE interval '1 day' + random() * interval '30 days' END
    FROM generate_series(1::bigint, ${TRANSACTIONS}) AS i`;
  await sql`
    INSERT INTO agent_daily_spend (user_id, day, spent_atomic)
    SELECT from_agent_id, (created_at AT TIME ZONE 'UTC')::date, sum(amount_atomic)
    FROM transactions GROUP BY 1, 2`;
  await sql`VACUUM ANALYZE`;
  const seeded = (performance.now() - t0) / 1000;

  const server = await startServer({
    DATABASE_URL: db.url,
    NODE_ENV: "production",
    JWT_PRIVATE_KEY: JSON.stringify(await generateSigningJwk()),
    API_KEY_PEPPER: randomBase62(40),
    ENABLE_WORKERS: "false",
  });
  const [row] = await sql<{ n: bigint }[]>`SELECT count(*) AS n FROM transactions`;
  console.log(`bench-public: ${row!.n} transactions (${AGENTS} agents, ${VENDORS} vendors), seeded in ${seeded.toFixed(1)} s`);
  console.log(`machine: ${os.cpus().length} CPUs, ${CONCURRENCY} concurrent clients, ${SECONDS} s per endpoint, HTTP over loopback`);
  const paths = ["/v1/public/dashboard", "/v1/ticker", "/v1/network/stats", "/v1/network/vectors", "/v1/agents/leaderboard"];
  let worst = 0;
  try {
    for (const path of paths) {
      for (let i = 0; i < 20; i++) await (await fetch(server.url + path)).arrayBuffer();
      // One client: the query's own latency. Then CONCURRENCY clients: latency under load.
      const alone = await closedLoop(() => fetch(server.url + path), 1, SECONDS);
      const loaded = await closedLoop(() => fetch(server.url + path), CONCURRENCY, SECONDS);
      worst = Math.max(worst, loaded.p95);
      console.log(`${path.padEnd(24)} x1 ${fmt(alone)}`);
      console.log(`${"".padEnd(24)} x${CONCURRENCY} ${fmt(loaded)}`);
    }
  } finally {
    await server.stop();
  }
  console.log(`target p95 < 50 ms on every public endpoint: ${worst < 50 ? "met" : "NOT met"} (worst ${worst.toFixed(2)} ms)`);
} finally {
  await db.drop();
}
