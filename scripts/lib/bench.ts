// Shared benchmark helpers: a fresh database, the real server in a child process, and a closed-loop
// load generator that reports throughput and latency percentiles.
import { createSql, splitDatabaseUrl, withDatabase, type Sql } from "@/db/client";
import { loadConfig } from "@/config";
import { migrate } from "@/db/migrate";
import { MIGRATIONS } from "@/db/migrations";

export async function freshDatabase(prefix: string): Promise<{ url: string; sql: Sql; drop(): Promise<void> }> {
  const base = loadConfig().DATABASE_URL;
  const name = `${prefix}_${Date.now()}`;
  const admin = createSql(splitDatabaseUrl(base).adminUrl, { max: 1 });
  await admin.unsafe(`CREATE DATABASE "${name}"`);
  const url = withDatabase(base, name);
  const sql = createSql(url, { max: 4, applicationName: "bench" });
  await migrate(sql, MIGRATIONS);
  return {
    url,
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end({ timeout: 5 });
    },
  };
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = require("node:fs").readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** CPU seconds used by all PostgreSQL server processes (every backend of the cluster). */
export function postgresCpuSeconds(): number {
  const fs = require("node:fs");
  let total = 0;
  for (const pid of fs.readdirSync("/proc").filter((d: string) => /^\d+$/.test(d))) {
    try {
      if (fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "postgres") total += cpuSeconds(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

export interface StartedServer {
  url: string;
  pid: number;
  /** Resolves with the exit code once the process is gone (a crash shows here). */
  exited: Promise<number>;
  /** SIGTERM; after `deadlineMs` without an exit, SIGKILL. True when it exited on SIGTERM in time. */
  stop(deadlineMs?: number): Promise<boolean>;
  /** SIGKILL, as a crash or the OOM killer would; resolves once the process is gone. */
  kill9(): Promise<void>;
}

/**
 * `bun src/main.ts` in a child process, resolved once /health answers. `port` (default: a random
 * one) lets a restarted server take its predecessor's address; `stdout` a file descriptor for its log.
 */
export async function startServer(
  env: Record<string, string>,
  options: { port?: number; stdout?: number; args?: string[]; portVariable?: string } = {},
): Promise<StartedServer> {
  // Below Linux's ephemeral range (32768+), where the load generator's own connections take ports.
  const port = options.port ?? 20000 + Math.floor(Math.random() * 12000);
  // BENCH_PROFILE=<dir> writes the server's CPU profile (markdown) there when it stops.
  const profile = process.env.BENCH_PROFILE ? ["--cpu-prof-md", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  // `args: ["receiver"]` with `portVariable: "RECEIVER_PORT"` starts the telemetry receiver instead.
  const proc = Bun.spawn(["bun", ...profile, "src/main.ts", ...(options.args ?? [])], {
    env: { ...process.env, LOG_LEVEL: "warn", HOST: "127.0.0.1", ...env, [options.portVariable ?? "PORT"]: String(port) },
    stdout: options.stdout ?? "ignore",
    stderr: options.stdout ?? "inherit",
  });
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  void proc.exited.then(() => (exited = true));
  for (let i = 0; ; i++) {
    if (await fetch(url + "/health").then((r) => r.ok, () => false)) break;
    if (exited || i >= 100) throw new Error(`the server did not start on port ${port}`);
    await Bun.sleep(100);
  }
  return {
    url,
    pid: proc.pid,
    exited: proc.exited,
    async stop(deadlineMs = Infinity) {
      proc.kill("SIGTERM");
      let timer: Timer | undefined;
      const late = new Promise<"late">((resolve) => {
        if (Number.isFinite(deadlineMs)) timer = setTimeout(() => resolve("late"), deadlineMs);
      });
      const inTime = (await Promise.race([proc.exited, late])) !== "late";
      clearTimeout(timer);
      if (inTime) return true;
      proc.kill("SIGKILL");
      await proc.exited;
      return false;
    },
    async kill9() {
      proc.kill("SIGKILL");
      await proc.exited;
    },
  };
}

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** `concurrency` loops, each sending the next request when the previous answered, for `seconds`. */
export async function closedLoop(send: () => Promise<Response>, concurrency: number, seconds: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const res = await send();
        await res.arrayBuffer();
        latencies.push(performance.now() - t0);
        if (!res.ok) errors++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  return { requests: latencies.length, errors, seconds: elapsed, rps: latencies.length / elapsed, p50: pct(50), p95: pct(95), p99: pct(99), max: latencies[latencies.length - 1] ?? 0 };
}

export const fmt = (r: LoadResult) =>
  `${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(2)} ms  p95 ${r.p95.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  (${r.requests} requests, ${r.errors} errors, ${r.seconds.toFixed(1)} s)`;
