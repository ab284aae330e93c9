// Tool calls over MCP (POST /mcp, Streamable HTTP, JSON-RPC tools/call) beside the same operations
// over REST, against the real server in another process, at the same concurrency, in one run:
// search_services vs GET /v1/services/search, and pay vs POST /v1/agent/pay. Each is a closed loop
// (every client sends its next call when the previous one answered); an answer counts only when it
// is right (REST 2xx; MCP a result without isError). REST and MCP take turns in short slices
// (ROUNDS of them, the order swapped every round), so a machine whose load drifts during the run
// weighs on both alike. Target: the MCP path within 20 % of REST for both: calls/s at least 80 %
// of REST's and p50 at most 120 % of it.
// Run: bun run bench:mcp  (BENCH_SECONDS per operation and transport, default 6; BENCH_ROUNDS, default 6;
//   BENCH_CONCURRENCY, default 32; BENCH_AGENTS; BENCH_OPERATIONS, default "search,pay")
import os from "node:os";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { createSecrets, generateSigningJwk } from "@/auth";
import { parseConfig } from "@/config";
import { randomBase62 } from "@/core/ids";
import { createLogger } from "@/core/logger";
import { FIXTURE_QUERIES, FIXTURE_SERVICES } from "../test/fixtures/services";
import { closedLoop, cpuSeconds, freshDatabase, postgresCpuSeconds, startServer } from "./lib/bench";
import { createPaymentFixtures } from "./lib/bench-fixtures";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 6));
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const AGENTS = Number(process.env.BENCH_AGENTS ?? 200);
const OPERATIONS = (process.env.BENCH_OPERATIONS ?? "search,pay").split(",");
const TARGET = 0.2;

interface Slice {
  latencies: number[];
  errors: number;
  seconds: number;
  /** CPU seconds the server process used during the slice. */
  serverCpu: number;
  /** CPU seconds PostgreSQL (every backend) used during the slice. */
  postgresCpu: number;
}
interface Figures {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  /** Server CPU per call, in microseconds: what the path costs, whatever else loads the machine. */
  cpuPerCall: number;
  /** PostgreSQL's CPU per call, in microseconds: the same work for both transports, or one costs the database more. */
  postgresPerCall: number;
}

/** A closed loop for `seconds`, keeping every latency so that slices can be merged. */
async function slice(send: () => Promise<Response>, concurrency: number, seconds: number, serverPid: number): Promise<Slice> {
  const cpuBefore = cpuSeconds(serverPid);
  const postgresBefore = postgresCpuSeconds();
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const res = await send();
        latencies.push(performance.now() - t0);
        if (!res.ok) errors++;
      }
    }),
  );
  return { latencies, errors, seconds: (performance.now() - started) / 1000, serverCpu: cpuSeconds(serverPid) - cpuBefore, postgresCpu: postgresCpuSeconds() - postgresBefore };
}

function figures(slices: Slice[]): Figures {
  const all = slices.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const pct = (p: number) => all[Math.min(all.length - 1, Math.floor((p / 100) * all.length))] ?? 0;
  const seconds = slices.reduce((sum, s) => sum + s.seconds, 0);
  const cpu = slices.reduce((sum, s) => sum + s.serverCpu, 0);
  const postgres = slices.reduce((sum, s) => sum + s.postgresCpu, 0);
  return { rps: all.length / seconds, p50: pct(50), p99: pct(99), requests: all.length, errors: slices.reduce((sum, s) => sum + s.errors, 0), cpuPerCall: (cpu / Math.max(1, all.length)) * 1e6, postgresPerCall: (postgres / Math.max(1, all.length)) * 1e6 };
}

const db = await freshDatabase("machpay_bench_mcp");
const env = {
  DATABASE_URL: db.url,
  JWT_PRIVATE_KEY: JSON.stringify(await generateSigningJwk()),
  API_KEY_PEPPER: randomBase62(40),
  NODE_ENV: "production",
  DB_POOL_MAX: process.env.BENCH_POOL ?? "10",
  ENABLE_WORKERS: "true",
  ENABLE_SIMULATION: "false",
};
const config = parseConfig(env);
const sql = db.sql;
const { agents, vendors } = await createPaymentFixtures(sql, { agents: AGENTS, vendors: 1, balance: 1_000_000_000_000n, mint: config.USDC_MINT, secrets: createSecrets(config, createLogger("silent")) });

// The fixture marketplace, queued for the server's own indexing worker as registrations are.
const vendorId = vendors[0]!.id;
for (const s of FIXTURE_SERVICES) {
  await sql`
    INSERT INTO services (id, vendor_id, name, description, gateway_url, price_atomic, token_mint, service_type, mcp_tool_def)
    VALUES (${s.id}, ${vendorId}, ${s.name}, ${s.description}, ${`https://${s.id}.gw.example`}, ${BigInt(s.price_atomic)}, ${config.USDC_MINT}, ${s.service_type}, ${sql.json({ tools: s.tools } as never)})`;
  await sql`INSERT INTO service_index_queue (service_id) VALUES (${s.id})`;
}
const server = await startServer(env);

try {
  for (let i = 0; ; i++) {
    const [row] = await sql<{ n: bigint }[]>`SELECT count(*) AS n FROM service_index_queue`;
    if (row!.n === 0n) break;
    if (i > 300) throw new Error("the server's worker did not index the fixture services within 30 s");
    await Bun.sleep(100);
  }

  const payee = FIXTURE_SERVICES[0]!;
  let q = 0;
  let a = 0;
  const nextQuery = () => FIXTURE_QUERIES[q++ % FIXTURE_QUERIES.length]!.q;
  const nextAgent = () => agents[a++ % agents.length]!;
  // One id per call: the answers of a batch would be confused otherwise (none is sent here).
  let id = 0;
  const mcpHeaders = (key?: string) => ({
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    "mcp-protocol-version": LATEST_PROTOCOL_VERSION,
    ...(key ? { authorization: `Bearer ${key}` } : {}),
  });
  /** A call's answer as closedLoop judges it: 200 when right, 599 when wrong (a tool error counts as wrong). */
  const judged = (ok: boolean) => new Response(null, { status: ok ? 200 : 599 });
  const mcp = async (name: string, args: Record<string, unknown>, key?: string) => {
    const res = await fetch(`${server.url}/mcp`, { method: "POST", headers: mcpHeaders(key), body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method: "tools/call", params: { name, arguments: args } }) });
    const body = (await res.json()) as { result?: { isError?: boolean } };
    return judged(res.ok && body.result !== undefined && body.result.isError !== true);
  };
  const rest = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(server.url + path, init);
    await res.json();
    return judged(res.ok);
  };

  const legs = {
    search: {
      rest: () => rest(`/v1/services/search?q=${encodeURIComponent(nextQuery())}&limit=10`),
      mcp: () => mcp("search_services", { query: nextQuery(), limit: 10 }),
    },
    pay: {
      rest: () => {
        const agent = nextAgent();
        return rest("/v1/agent/pay", { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${agent.key}` }, body: JSON.stringify({ to: payee.id, amount_atomic: "1" }) });
      },
      mcp: () => mcp("pay", { to: payee.id, amount_atomic: "1" }, nextAgent().key),
    },
  };

  console.log(
    `bench:mcp  ${CONCURRENCY} concurrent clients, ${SECONDS} s per operation and transport in ${ROUNDS} alternating slices (after 1 s of warm-up each), ` +
      `${AGENTS} agents paying one service, ${FIXTURE_SERVICES.length} services indexed (local embedder)`,
  );
  console.log(`machine: ${os.cpus().length} CPUs, ${Math.round(os.totalmem() / 2 ** 30)} GiB; Bun ${Bun.version}; server: src/main.ts in a child process, DB_POOL_MAX=${env.DB_POOL_MAX}; client: this process (fetch)\n`);
  const row = (label: string, r: Figures) =>
    `${label.padEnd(28)} ${r.rps.toFixed(0).padStart(7)} calls/s   p50 ${r.p50.toFixed(2).padStart(7)} ms   p99 ${r.p99.toFixed(2).padStart(7)} ms   ` +
    `CPU per call: server ${r.cpuPerCall.toFixed(0).padStart(5)} us, PostgreSQL ${r.postgresPerCall.toFixed(0).padStart(5)} us   ${r.requests} calls, ${r.errors} wrong`;
  let allMet = true;
  for (const [operation, leg] of Object.entries(legs)) {
    if (!OPERATIONS.includes(operation)) continue;
    await closedLoop(leg.rest, CONCURRENCY, 1);
    await closedLoop(leg.mcp, CONCURRENCY, 1);
    const slices = { rest: [] as Slice[], mcp: [] as Slice[] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? (["rest", "mcp"] as const) : (["mcp", "rest"] as const);
      for (const transport of order) slices[transport].push(await slice(leg[transport], CONCURRENCY, SECONDS / ROUNDS, server.pid));
    }
    const viaRest = figures(slices.rest);
    const viaMcp = figures(slices.mcp);
    const throughput = viaMcp.rps / viaRest.rps;
    const latency = viaMcp.p50 / viaRest.p50;
    const met = throughput >= 1 - TARGET && latency <= 1 + TARGET && viaMcp.errors === 0 && viaRest.errors === 0;
    allMet &&= met;
    const tool = operation === "search" ? "search_services" : "pay";
    console.log(row(`${operation} over REST`, viaRest));
    console.log(row(`${tool} over MCP`, viaMcp));
    console.log(
      `  MCP/REST: calls/s ${(throughput * 100).toFixed(0)} %, p50 ${(latency * 100).toFixed(0)} %, p99 ${((viaMcp.p99 / viaRest.p99) * 100).toFixed(0)} %, ` +
        `CPU per call: server ${((viaMcp.cpuPerCall / viaRest.cpuPerCall) * 100).toFixed(0)} %, PostgreSQL ${((viaMcp.postgresPerCall / viaRest.postgresPerCall) * 100).toFixed(0)} %` +
        `  -> target (within ${TARGET * 100} %: calls/s >= ${(1 - TARGET) * 100} %, p50 <= ${(1 + TARGET) * 100} %, no wrong answer): ${met ? "met" : "NOT met"}\n`,
    );
  }
  console.log(`MCP within ${TARGET * 100} % of REST for search_services and pay: ${allMet ? "met" : "NOT met"}`);
  console.log(`load average during the run: ${os.loadavg().map((l) => l.toFixed(2)).join(" ")} (on ${os.cpus().length} CPUs: figures from a busy machine are not the engineer's)`);
} finally {
  await server.stop(5000);
  await db.drop();
}
