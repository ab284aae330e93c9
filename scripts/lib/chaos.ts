// A fault run: a private PostgreSQL, fixtures, the real server in another process, ~50 clients
// paying, faults injected on a schedule, then a replay of every payment without a definitive
// answer and a reading of the ledger. The scripts (chaos-kill.ts, chaos-pg.ts) say which faults.
import { mkdirSync } from "node:fs";
import { createSecrets, generateSigningJwk } from "@/auth";
import { parseConfig } from "@/config";
import { randomBase62 } from "@/core/ids";
import { createLogger } from "@/core/logger";
import { createSql } from "@/db/client";
import { migrate } from "@/db/migrate";
import { MIGRATIONS } from "@/db/migrations";
import { createPaymentFixtures } from "./bench-fixtures";
import { baselineSlow, faultFigures, paymentFigures, type Fault, type Thresholds } from "./chaos-figures";
import { accountsOff, fetchAudit, readTransactions } from "./chaos-ledger";
import { replayUnanswered, startLoad, succeeded, type Payment } from "./chaos-load";
import { report } from "./chaos-report";
import { startChaosServer, type ChaosServer } from "./chaos-server";
import { startPrivatePostgres, type PrivatePostgres } from "./private-postgres";

const num = (name: string, fallback: number) => {
  const raw = process.env[name];
  const value = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name}: expected a non-negative number, got ${raw}`);
  return value;
};

/** Every knob of a fault run, from CHAOS_* variables; the scripts give the fault-specific defaults. */
export function chaosSettings(defaults: { cycles: number; pauseSeconds: number }) {
  const timeoutMs = num("CHAOS_TIMEOUT_MS", 10_000);
  return {
    clients: num("CHAOS_CLIENTS", 50),
    gatewayClients: num("CHAOS_GATEWAY_CLIENTS", 10),
    agents: num("CHAOS_AGENTS", 200),
    vendors: num("CHAOS_VENDORS", 4),
    timeoutMs,
    backoffMs: num("CHAOS_BACKOFF_MS", 100),
    cycles: num("CHAOS_CYCLES", defaults.cycles),
    pauseSeconds: num("CHAOS_PAUSE_SECONDS", defaults.pauseSeconds),
    warmupSeconds: num("CHAOS_WARMUP_SECONDS", 3),
    tailSeconds: num("CHAOS_TAIL_SECONDS", 10),
    /** How long the replay keeps trying payments without a definitive answer. */
    replaySeconds: num("CHAOS_REPLAY_SECONDS", 30),
    /** Grace after SIGTERM at the end before the server is killed (its SHUTDOWN_TIMEOUT_MS is 10 s). */
    stopSeconds: num("CHAOS_STOP_SECONDS", 15),
    pool: num("CHAOS_POOL", 10),
    thresholds: {
      slowMs: num("CHAOS_SLOW_MS", 1000),
      graceMs: num("CHAOS_GRACE_MS", 2000),
      healMs: num("CHAOS_HEAL_SECONDS", 30) * 1000,
      // A commit later than the client's timeout came after the client gave up.
      lateMs: num("CHAOS_LATE_MS", timeoutMs),
    } satisfies Thresholds,
  };
}
export type ChaosSettings = ReturnType<typeof chaosSettings>;

export interface ChaosContext {
  pg: PrivatePostgres;
  /** SIGKILL of the server; an exit we caused, not a crash. */
  killServer(): Promise<void>;
  /** Starts the server again on the same port; resolves once /health answers. */
  startServer(): Promise<void>;
}

export interface ChaosSpec {
  /** The script's name, first word of every summary line. */
  name: string;
  settings: ChaosSettings;
  /** The faults in the order they are injected, by name. */
  faults: string[];
  /** A line saying what the faults are, for the conditions. */
  describeFaults: string;
  /** Injects one fault and resolves once the service is back (its end), with a note for its line if any. */
  inject(fault: string, ctx: ChaosContext): Promise<string | void>;
}

/** Waits until a payment sent at or after `since` is answered 2xx; false after `deadlineMs`. */
async function recovered(payments: Payment[], since: number, deadlineMs: number): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    // Newest first: payments are recorded in the order they are sent.
    for (let i = payments.length - 1; i >= 0; i--) {
      const first = payments[i]!.attempts[0];
      if (!first) continue;
      if (first.sentAt < since) break;
      if (succeeded(first)) return true;
    }
    await Bun.sleep(50);
  }
  return false;
}

/**
 * Injects the faults in turn, each a pause after the previous one's recovery so that what follows
 * recovery is seen. A fault that does not heal has failed the run: the faults after it would add nothing.
 */
async function injectFaults(spec: ChaosSpec, ctx: ChaosContext, payments: Payment[]): Promise<Fault[]> {
  const s = spec.settings;
  const faults: Fault[] = [];
  for (const name of spec.faults) {
    const startedAt = Date.now();
    const note = await spec.inject(name, ctx);
    const endedAt = Date.now();
    faults.push({ name, startedAt, endedAt, ...(note ? { note } : {}) });
    if (!(await recovered(payments, endedAt, s.thresholds.healMs))) break;
    if (faults.length < spec.faults.length) await Bun.sleep(s.pauseSeconds * 1000);
  }
  return faults;
}

/** The server as in production (its own keys, an admin token for the audit); no workers: no chain here. */
async function serverEnv(databaseUrl: string, pool: number) {
  return {
    DATABASE_URL: databaseUrl,
    NODE_ENV: "production",
    JWT_PRIVATE_KEY: JSON.stringify(await generateSigningJwk()),
    API_KEY_PEPPER: randomBase62(40),
    ADMIN_TOKEN: randomBase62(32),
    ENABLE_WORKERS: "false",
    DB_POOL_MAX: String(pool),
  };
}

const FUNDED = 1_000_000_000_000n;
const AMOUNT = 1000n;

/** Runs the faults under load, prints the figures and the verdict; true when every condition holds. */
export async function runChaos(spec: ChaosSpec): Promise<boolean> {
  const s = spec.settings;
  const logs = { server: `.data/${spec.name}-server.log`, postgres: `.data/${spec.name}-postgres.log` };
  mkdirSync(".data", { recursive: true });
  const pg = await startPrivatePostgres();
  // Its connections die with each PostgreSQL fault: used before the load, ended, and opened afresh after it.
  let sql = createSql(pg.url, { max: 4, applicationName: "chaos" });
  let server: ChaosServer | undefined;
  try {
    await migrate(sql, MIGRATIONS);
    const env = await serverEnv(pg.url, s.pool);
    const config = parseConfig(env);
    const secrets = createSecrets(config, createLogger("silent"));
    const { agents, vendors } = await createPaymentFixtures(sql, { agents: s.agents, vendors: s.vendors, balance: FUNDED, mint: config.USDC_MINT, secrets });
    await sql.end({ timeout: 5 });

    server = await startChaosServer(env, logs.server);
    const ctx: ChaosContext = { pg, killServer: server.kill9, startServer: server.restart };
    const gateway = Math.min(s.gatewayClients, s.clients);
    const load = startLoad({ baseUrl: server.url, clients: s.clients, gatewayClients: gateway, timeoutMs: s.timeoutMs, backoffMs: s.backoffMs, agents, vendors, mint: config.USDC_MINT, amount: AMOUNT });
    const loadStart = Date.now();
    await Bun.sleep(s.warmupSeconds * 1000);
    const faults = await injectFaults(spec, ctx, load.payments);
    await Bun.sleep(s.tailSeconds * 1000);
    const loadEnd = Date.now();
    await load.stop();

    const replayStart = Date.now();
    const replayed = await replayUnanswered(load.payments, { timeoutMs: s.timeoutMs, concurrency: 16, deadlineMs: s.replaySeconds * 1000 });
    const replaySeconds = (Date.now() - replayStart) / 1000;
    if (process.env.CHAOS_DUMP === "1") await dumpAttempts(`.data/${spec.name}-payments.jsonl`, load.payments, loadStart);

    sql = createSql(pg.url, { max: 4, applicationName: "chaos" });
    const rows = await readTransactions(sql);
    const accounts = await accountsOff(sql, FUNDED);
    const audit = await fetchAudit(server.url, env.ADMIN_TOKEN);
    const stopStart = Date.now();
    const stoppedOnSigterm = await server.stop(s.stopSeconds * 1000);
    const stopSeconds = (Date.now() - stopStart) / 1000;
    return report({
      name: spec.name,
      conditions: [
        `private PostgreSQL 15 on 127.0.0.1:${pg.port} (fsync on, synchronous_commit on); server (bun src/main.ts, NODE_ENV=production, pool ${s.pool}) on ${server.url}; logs ${logs.server}, ${logs.postgres}`,
        `load: ${s.clients} clients (${s.clients - gateway} POST /v1/agent/pay, ${gateway} POST /v1/gateway/payments), ${s.agents} agents -> ${s.vendors} vendors, a unique reference and Idempotency-Key per payment, client timeout ${s.timeoutMs} ms, ${s.backoffMs} ms back-off after a non-definitive answer`,
        `faults: ${spec.describeFaults}; each ${s.pauseSeconds} s after the previous one's first 2xx (none after one that does not heal within ${s.thresholds.healMs / 1000} s), warm-up ${s.warmupSeconds} s, tail ${s.tailSeconds} s`,
      ],
      thresholds: s.thresholds,
      loadStart,
      loadSeconds: (loadEnd - loadStart) / 1000,
      replayed,
      replaySeconds,
      faults: faultFigures(load.payments, faults, loadEnd, s.thresholds),
      faultsPlanned: spec.faults.length,
      baseline: baselineSlow(load.payments, loadStart, faults, s.thresholds),
      payments: paymentFigures(load.payments, rows, s.thresholds),
      accounts,
      audit,
      unexpectedServerExits: server.unexpectedExits(),
      shutdown: { onSigterm: stoppedOnSigterm, seconds: stopSeconds, deadlineSeconds: s.stopSeconds },
    });
  } finally {
    await server?.kill9().catch(() => {});
    await sql.end({ timeout: 5 }).catch(() => {});
    await pg.stop("fast").catch(() => {});
    // PostgreSQL's log outlives its cluster, beside the server's.
    await Bun.write(logs.postgres, Bun.file(pg.logFile)).catch(() => {});
    await pg.destroy();
  }
}

/** CHAOS_DUMP=1: every payment's attempts, one JSON line each, times from the start of the load. */
async function dumpAttempts(file: string, payments: Payment[], loadStart: number) {
  const lines = payments.map((p) =>
    JSON.stringify({ reference: p.reference, path: p.path, attempts: p.attempts.map((a) => ({ ...a, sentAt: a.sentAt - loadStart, answeredAt: a.answeredAt - loadStart })) }),
  );
  await Bun.write(file, lines.join("\n") + "\n");
}
