// Dashboard reads over 14 days of telemetry (issue 14's second target: p95 < 50 ms thanks to the
// rollups). Scaled down as follows, since 14 days at 50,000 events/s is 60 billion raw rows:
//  - the dashboards read only the hourly rollups (sql/0017), whose size depends on the number of
//    gateways, routes and hours, not on the event rate. So 14 days of rollup rows are written for a
//    full fleet (BENCH_GATEWAYS gateways, 5 per vendor, BENCH_ROUTES routes each), with the counts
//    that 50,000 events/s spread over that fleet gives;
//  - the raw side is sampled: BENCH_RAW_SECONDS seconds of payment.authorized at the full rate (plus
//    a deep packet per gateway and minute), written in the current hour and rolled up by the real
//    job, which is timed (the rollup's own cost at that rate, extrapolated to an hour);
//  - then the real server answers GET /v1/vendor/stats (a vendor with 5 gateways) and the public
//    stats, and the read functions are timed in process without the public 5 s cache.
// Run: bun run bench:dashboard  (BENCH_GATEWAYS, BENCH_ROUTES, BENCH_RAW_SECONDS, BENCH_SECONDS, BENCH_CONCURRENCY)
import os from "node:os";
import { createSecrets, generateSigningJwk } from "@/auth";
import { parseConfig } from "@/config";
import { systemClock } from "@/core/clock";
import { randomBase62 } from "@/core/ids";
import { createLogger } from "@/core/logger";
import { getNetworkTelemetry, getVendorTelemetry, LATENCY_BUCKETS, rollupOptionsOf, runRollup } from "@/telemetry";
import { closedLoop, fmt, freshDatabase, startServer, type LoadResult } from "./lib/bench";

const GATEWAYS = Number(process.env.BENCH_GATEWAYS ?? 1000);
const ROUTES = Number(process.env.BENCH_ROUTES ?? 5);
const RAW_SECONDS = Number(process.env.BENCH_RAW_SECONDS ?? 10);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const RATE = 50_000;
const DAYS = 14;
const PER_VENDOR = 5;
const VENDORS = Math.ceil(GATEWAYS / PER_VENDOR);
const HOUR = 3600_000;

const db = await freshDatabase("machpay_bench_dashboard");
const sql = db.sql;
const env = { DATABASE_URL: db.url, JWT_PRIVATE_KEY: JSON.stringify(await generateSigningJwk()), API_KEY_PEPPER: randomBase62(40), NODE_ENV: "production" };
const config = parseConfig(env);
const secrets = createSecrets(config, createLogger("silent"));
const ms = (t0: number) => performance.now() - t0;

try {
  let t0 = performance.now();
  await sql`
    INSERT INTO users (email, role) SELECT 'vendor' || i || '@bench.test', 'operator' FROM generate_series(1, ${VENDORS}) AS i`;
  await sql`
    INSERT INTO profiles (user_id, type, name, service_type, withdrawal_address, base_price_atomic)
    SELECT id, 'vendor', 'Vendor ' || id, 'inference-llm', '9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin', 5000 FROM users`;
  const [first] = await sql<{ id: bigint }[]>`SELECT min(id) AS id FROM users`;
  const vendorOf = (g: string) => sql`(${first!.id}::bigint + (${sql.unsafe(g)} - 1) / ${PER_VENDOR})`;
  const current = Math.floor(Date.now() / HOUR) * HOUR;
  const since = new Date(current - DAYS * 24 * HOUR);
  const perGatewayHour = Math.round((RATE * 3600) / GATEWAYS);
  // A histogram of `n` around bucket `base` (+ a tail 6 buckets up), as an SQL array expression.
  const histogram = (n: string, base: string) =>
    sql.unsafe(`(SELECT array_agg((CASE WHEN b = ${base} THEN ${n} * 45 / 100 WHEN b = ${base} + 1 THEN ${n} * 45 / 100 WHEN b = ${base} + 6 THEN ${n} / 10 ELSE 0 END)::bigint ORDER BY b) FROM generate_series(0, ${LATENCY_BUCKETS - 1}) AS b)`);

  // 14 days of hourly rollups, as the job writes them.
  await sql`
    INSERT INTO telemetry_gateway_hourly (hour, vendor_id, gateway_id, authorized_count, authorized_atomic, latency_buckets, blocked_count,
      blocked_by_reason, packets, requests, status_2xx, status_402, status_4xx, status_5xx, heartbeat_seconds, process_uptime_seconds,
      first_packet_at, last_packet_at, rolled_at)
    SELECT h, ${vendorOf("g")}, 'gw-' || g, ${perGatewayHour}, ${perGatewayHour} * 5000::numeric, ${histogram(String(perGatewayHour), "5 + g % 6")},
           ${perGatewayHour} / 100, jsonb_build_object('solvency_check_failed', ${perGatewayHour} / 100), 60,
           ${perGatewayHour}, ${perGatewayHour} * 97 / 100, ${perGatewayHour} / 100, ${perGatewayHour} / 100, ${perGatewayHour} / 100,
           3600, 86400, h, h + interval '1 hour', now()
    FROM generate_series(${since}::timestamptz, ${new Date(current - HOUR)}::timestamptz, interval '1 hour') AS h, generate_series(1, ${GATEWAYS}) AS g`;
  const perRoute = Math.round(perGatewayHour / ROUTES);
  await sql`
    INSERT INTO telemetry_route_hourly (hour, vendor_id, gateway_id, route, requests, status_2xx, status_402, status_4xx, status_5xx,
      latency_p99_buckets, latency_p50_buckets, rolled_at)
    SELECT h, ${vendorOf("g")}, 'gw-' || g, '/v1/route-' || r, ${perRoute}, ${perRoute} * 97 / 100, ${perRoute} / 100, ${perRoute} / 100, ${perRoute} / 100,
           ${histogram(String(perRoute), "10 + r % 5")}, ${histogram(String(perRoute), "5 + r % 5")}, now()
    FROM generate_series(${since}::timestamptz, ${new Date(current - HOUR)}::timestamptz, interval '1 hour') AS h,
         generate_series(1, ${GATEWAYS}) AS g, generate_series(1, ${ROUTES}) AS r`;
  const seededRollups = ms(t0) / 1000;

  const options = rollupOptionsOf(config);
  t0 = performance.now();
  const firstRun = await runRollup({ sql, clock: systemClock }, options);
  const firstMs = ms(t0);
  t0 = performance.now();
  await runRollup({ sql, clock: systemClock }, options);
  const baselineMs = ms(t0);

  // The raw sample: RAW_SECONDS of payment.authorized at the full rate, and a packet per gateway and minute.
  t0 = performance.now();
  const rawFrom = new Date(Math.max(current, Date.now() - RAW_SECONDS * 1000 - 60_000));
  await sql`
    INSERT INTO payment_authorized (time, vendor_id, gateway_id, agent, amount_atomic, token_mint, service_id, latency_ms, event_id)
    SELECT ${rawFrom}::timestamptz + (i * ${1000 / RATE}::float8) * interval '1 millisecond',
           ${vendorOf("(1 + i % " + GATEWAYS + ")")}, 'gw-' || (1 + i % ${GATEWAYS}), 'agent-' || (i % 5000), 5000, NULL, NULL, 5 + (i * 7) % 400, 'e' || i
    FROM generate_series(1::bigint, ${RATE * RAW_SECONDS}) AS i`;
  await sql`
    INSERT INTO gateway_telemetry (time, vendor_id, gateway_id, period_start, period_end, system, business)
    SELECT ${rawFrom}::timestamptz + interval '60 seconds', ${vendorOf("g")}, 'gw-' || g, ${rawFrom}, ${rawFrom}::timestamptz + interval '60 seconds',
           '{"uptime_seconds": 86400}', jsonb_build_object('routes', (SELECT jsonb_object_agg('/v1/route-' || r, jsonb_build_object('200', 800, '500', 8, 'latency_p99', 90 + r)) FROM generate_series(1, ${ROUTES}) AS r))
    FROM generate_series(1, ${GATEWAYS}) AS g`;
  await sql`VACUUM ANALYZE`;
  const seededRaw = ms(t0) / 1000;
  t0 = performance.now();
  await runRollup({ sql, clock: systemClock }, options);
  const steadyMs = ms(t0);

  const counts = await sql<{ t: string; n: bigint }[]>`
    SELECT 'gateway hours' AS t, count(*) AS n FROM telemetry_gateway_hourly UNION ALL SELECT 'route hours', count(*) FROM telemetry_route_hourly
    UNION ALL SELECT 'network hours', count(*) FROM telemetry_network_hourly UNION ALL SELECT 'network route hours', count(*) FROM telemetry_network_route_hourly`;
  console.log(`bench-dashboard: ${GATEWAYS} gateways (${VENDORS} vendors, ${PER_VENDOR} each), ${ROUTES} routes each, ${DAYS} days of hourly rollups at ${RATE} events/s over the fleet (${perGatewayHour} payments per gateway-hour)`);
  console.log(`  rollup rows: ${counts.map((c) => `${c.n} ${c.t}`).join(", ")}; seeded in ${seededRollups.toFixed(1)} s`);
  console.log(`  raw sample: ${RATE * RAW_SECONDS} payment.authorized rows (${RAW_SECONDS} s at ${RATE}/s) and ${GATEWAYS} deep packets, seeded in ${seededRaw.toFixed(1)} s`);
  console.log(`  first rollup run (catch-up, ${firstRun.hours} hours): ${firstMs.toFixed(0)} ms; steady run (${options.lookbackHours} hours): ${baselineMs.toFixed(0)} ms without raw rows, ${steadyMs.toFixed(0)} ms with the sample`);
  const perRow = Math.max(0, steadyMs - baselineMs) / (RATE * RAW_SECONDS);
  console.log(
    `  raw rows cost the rollup ${(perRow * 1000).toFixed(2)} us each: a run over a whole hour at the full rate (${RATE * 3600} rows) would take about ${((perRow * RATE * 3600) / 1000).toFixed(0)} s (extrapolated, linear)`,
  );
  console.log(`machine: ${os.cpus().length} CPUs; reads: ${CONCURRENCY} concurrent clients, ${SECONDS} s each`);

  // In process, no cache: the rollup reads themselves.
  const vendorId = first!.id;
  const timed = async (fn: () => Promise<unknown>): Promise<LoadResult> => {
    for (let i = 0; i < 10; i++) await fn();
    return closedLoop(async () => (await fn(), new Response("")), 1, SECONDS);
  };
  const results: [string, LoadResult][] = [];
  const loaded: [string, LoadResult][] = [];
  results.push(["getVendorTelemetry (in process)", await timed(() => getVendorTelemetry(sql, vendorId, new Date()))]);
  results.push(["getNetworkTelemetry (in process)", await timed(() => getNetworkTelemetry(sql, new Date()))]);

  const key = `mp_gk_live_${randomBase62(32)}`;
  await sql`INSERT INTO api_keys (user_id, kind, name, prefix, hash) VALUES (${vendorId}, 'gateway', 'bench', ${key.slice(0, 15)}, ${secrets.hmac(key)})`;
  const server = await startServer({ ...env, ENABLE_WORKERS: "false" });
  try {
    const vendorStats = () => fetch(server.url + "/v1/vendor/stats", { headers: { authorization: `Bearer ${key}` } });
    const check = (await (await vendorStats()).json()) as { telemetry?: unknown };
    if (!check.telemetry) throw new Error(`GET /v1/vendor/stats has no telemetry: ${JSON.stringify(check).slice(0, 300)}`);
    for (const [name, send] of [
      ["GET /v1/vendor/stats", vendorStats],
      ["GET /v1/network/stats", () => fetch(server.url + "/v1/network/stats")],
      ["GET /v1/public/dashboard", () => fetch(server.url + "/v1/public/dashboard")],
    ] as const) {
      for (let i = 0; i < 20; i++) await (await send()).arrayBuffer();
      // One client: a read's own latency. Then CONCURRENCY clients: latency under load.
      results.push([`${name} x1`, await closedLoop(send, 1, SECONDS)]);
      loaded.push([`${name} x${CONCURRENCY}`, await closedLoop(send, CONCURRENCY, SECONDS)]);
    }
  } finally {
    await server.stop();
  }
  for (const [name, r] of [...results, ...loaded]) console.log(`${name.padEnd(36)} ${fmt(r)}`);
  const worst = Math.max(...results.map(([, r]) => r.p95));
  const worstLoaded = Math.max(...loaded.map(([, r]) => r.p95));
  console.log(`target dashboard reads p95 < 50 ms: ${worst < 50 ? "met" : "NOT met"} (worst p95 ${worst.toFixed(2)} ms, one client at a time, uncached reads included)`);
  console.log(`  under ${CONCURRENCY} concurrent clients: ${worstLoaded < 50 ? "met" : "NOT met"} (worst p95 ${worstLoaded.toFixed(2)} ms; the public routes cache telemetry 5 s, the vendor's is read every time)`);
} finally {
  // BENCH_KEEP=1 leaves the database for EXPLAIN ANALYZE.
  if (process.env.BENCH_KEEP === "1") console.log(`kept ${db.url}`);
  else await db.drop();
}
