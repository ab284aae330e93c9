// A private PostgreSQL 15 cluster on a free port, to restart and kill at will: never the machine's
// own. Debian's binaries, run as the `postgres` OS user when we are root (PostgreSQL refuses root),
// trust auth on 127.0.0.1 only, no Unix socket. Durable like production: fsync and
// synchronous_commit on, so a kill -9 tests real crash recovery.
//
// The postmaster is our own child (spawned through setpriv, which execs): we reap it after a
// kill -9, so no zombie keeps holding its pid in postmaster.pid and the next start succeeds.
//
// Cleanup: destroy() stops the cluster and removes its directory. If this process dies first
// (a crashed test, Ctrl-C, kill -9), a watchdog started with the cluster (`setsid --fork bash`:
// neither our child nor in our session) notices within a second, stops the postmaster (immediate
// shutdown) and removes the directory. A test that times out under bun test has its children
// SIGTERMed, the postmaster among them (a smart shutdown); its directory goes when the test
// process exits. Nothing here prints or exits: failures throw, with the tail of the server log.
//
// startPrivateStandby adds a streaming (optionally synchronous) hot standby of such a cluster,
// with the same lifecycle, and promote(): a primary/standby pair without Patroni.
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, appendFileSync, chownSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createSql, withDatabase } from "@/db/client";
import { asPostgres, isRoot, portFree, postgresIds } from "./postgres-user";
import { alive, childrenOf } from "./procfs";

const PG_BIN = "/usr/lib/postgresql/15/bin";
// Below Linux's ephemeral range (32768+), where outgoing connections take ports while we are down.
const PORT_RANGE = { from: 15000, to: 20000 };
const MACHINE_PORT = 5432;

export type StopMode = "smart" | "fast" | "immediate";

export interface PrivatePostgres {
  /** postgres:// URL of the cluster's database (created at start). */
  url: string;
  port: number;
  dataDir: string;
  logFile: string;
  /** Stops (SIGINT for fast, SIGQUIT for immediate), then starts: resolves once it accepts again. */
  restart(mode: "fast" | "immediate"): Promise<void>;
  /** SIGKILL of the postmaster, as a crash would; start() brings it back through crash recovery. */
  kill9(): Promise<void>;
  /** Starts the cluster if it is down; resolves once it accepts connections. */
  start(): Promise<void>;
  stop(mode?: StopMode): Promise<void>;
  /** Stops the cluster and removes its directory; idempotent. */
  destroy(): Promise<void>;
}

const SIGNAL_OF: Record<StopMode, NodeJS.Signals> = { smart: "SIGTERM", fast: "SIGINT", immediate: "SIGQUIT" };

function pickPort(): number {
  for (let i = 0; i < 200; i++) {
    const port = PORT_RANGE.from + Math.floor(Math.random() * (PORT_RANGE.to - PORT_RANGE.from));
    if (port !== MACHINE_PORT && portFree(port)) return port;
  }
  throw new Error("private-postgres: no free port on 127.0.0.1");
}

async function until(what: string, deadlineMs: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const end = performance.now() + deadlineMs;
  while (!(await check())) {
    if (performance.now() > end) throw new Error(`private-postgres: timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

async function run(argv: string[], what: string): Promise<void> {
  const proc = Bun.spawn(asPostgres(argv), { cwd: "/", stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`private-postgres: ${what} failed (exit ${code}): ${(err || out).trim()}`);
}

const logTail = (logFile: string) => {
  try {
    return readFileSync(logFile, "utf8").trim().split("\n").slice(-8).join("\n");
  } catch {
    return "(no server log)";
  }
};

// Settings appended to postgresql.conf. Durability stays as in production; the rest keeps a small
// throwaway cluster quick, quiet and observable.
const SETTINGS = `
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
fsync = on
synchronous_commit = on
full_page_writes = on
max_connections = 200
log_checkpoints = off
# When each row's transaction committed (pg_xact_commit_timestamp(xmin)): a fault run tells late commits by it.
track_commit_timestamp = on
`;

/**
 * The watchdog: cleans up after an owner that died without destroy(). Arguments: owner pid, root,
 * data dir. It ends by itself once destroy() has removed the root.
 */
const WATCHDOG = `
while kill -0 "$1" 2>/dev/null && [ -d "$2" ]; do sleep 1; done
[ -d "$2" ] || exit 0
pid=$(head -n 1 "$3/postmaster.pid" 2>/dev/null)
if [ -n "$pid" ] && grep -qF -- "$3" "/proc/$pid/cmdline" 2>/dev/null; then
  kill -QUIT "$pid" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null
fi
rm -rf -- "$2"
`;

export async function startPrivatePostgres(options: { database?: string } = {}): Promise<PrivatePostgres> {
  if (!existsSync(`${PG_BIN}/initdb`)) throw new Error(`private-postgres: ${PG_BIN}/initdb is missing (Debian's postgresql-15; scripts/setup installs it)`);
  const database = options.database ?? "machpay";
  return await managed(database, async (dataDir) => {
    await run([`${PG_BIN}/initdb`, "-D", dataDir, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"], "initdb");
    appendFileSync(path.join(dataDir, "postgresql.conf"), SETTINGS);
  }, async (port) => {
    const admin = createSql(`postgres://postgres@127.0.0.1:${port}/postgres`, { max: 1, applicationName: "private-postgres" });
    try {
      await admin.unsafe(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
    } finally {
      await admin.end({ timeout: 5 });
    }
  });
}

export interface PrivateStandby extends PrivatePostgres {
  /** pg_ctl promote: resolves once the standby has left recovery and accepts writes. */
  promote(): Promise<void>;
}

/**
 * A hot standby of `primary`, cloned by pg_basebackup -R (streaming replication, no slot) on a
 * free port. `synchronous`: the primary then waits for this standby's flush
 * before a COMMIT returns (synchronous_standby_names), so an acknowledged COMMIT survives the
 * primary's death. Resolves once the standby streams.
 */
export async function startPrivateStandby(primary: PrivatePostgres, options: { synchronous?: boolean; name?: string } = {}): Promise<PrivateStandby> {
  const name = options.name ?? "standby";
  const database = primary.url.slice(primary.url.lastIndexOf("/") + 1);
  const standby = await managed(database, async (dataDir) => {
    await run(
      [`${PG_BIN}/pg_basebackup`, "-h", "127.0.0.1", "-p", String(primary.port), "-U", "postgres", "-D", dataDir, "-R", "-X", "stream", "-c", "fast", "--no-sync"],
      "pg_basebackup",
    );
    // primary_conninfo's application_name is the name synchronous_standby_names refers to.
    appendFileSync(path.join(dataDir, "postgresql.auto.conf"), `primary_conninfo = 'host=127.0.0.1 port=${primary.port} user=postgres application_name=${name}'\n`);
    // With the primary gone, the startup process retries the stream every wal_retrieve_retry_interval
    // (5 s) and a promotion waited for the end of that sleep (measured: 5.1 s in 3 of 4 runs, 0.1 s
    // in the fourth); at 100 ms the promotion takes effect at once.
    appendFileSync(path.join(dataDir, "postgresql.auto.conf"), "wal_retrieve_retry_interval = '100ms'\n");
  });
  const admin = createSql(withDatabase(primary.url, "postgres"), { max: 1, applicationName: "private-postgres" });
  try {
    await until("the standby to stream", 30_000, async () => (await admin`SELECT 1 FROM pg_stat_replication WHERE application_name = ${name} AND state = 'streaming'`).length > 0);
    if (options.synchronous) {
      await admin.unsafe(`ALTER SYSTEM SET synchronous_standby_names = '"${name}"'`);
      await admin`SELECT pg_reload_conf()`;
      await until("the standby to be synchronous", 10_000, async () => (await admin`SELECT 1 FROM pg_stat_replication WHERE application_name = ${name} AND sync_state = 'sync'`).length > 0);
    }
  } catch (err) {
    await standby.destroy();
    throw err;
  } finally {
    await admin.end({ timeout: 5 });
  }
  return {
    ...standby,
    async promote() {
      await run([`${PG_BIN}/pg_ctl`, "promote", "-w", "-t", "30", "-D", standby.dataDir], "pg_ctl promote");
    },
  };
}

/**
 * A cluster directory under a fresh root (owned by postgres), made by `create(dataDir)`, started on
 * a free port, with its watchdog; `ready(port)` runs once it accepts connections.
 */
async function managed(database: string, create: (dataDir: string) => Promise<void>, ready?: (port: number) => Promise<void>): Promise<PrivatePostgres> {
  const root = mkdtempSync(path.join(os.tmpdir(), "machpay-pg-"));
  const dataDir = path.join(root, "data");
  const logFile = path.join(root, "postgres.log");
  if (isRoot()) {
    const ids = postgresIds();
    chownSync(root, ids.uid, ids.gid);
  }

  // setsid --fork: not our child (bun test SIGTERMs a timed-out test's children, the postmaster
  // included) and in its own session (Ctrl-C spares it).
  Bun.spawn(["setsid", "--fork", "bash", "-c", WATCHDOG, "watchdog", String(process.pid), root, dataDir], { stdio: ["ignore", "ignore", "ignore"] }).unref();

  let port = pickPort();
  let postmaster: ReturnType<typeof Bun.spawn> | undefined;
  let orphans: number[] = [];
  let destroyed = false;

  const accepting = (pid: number) => {
    // postmaster.pid: line 1 the pid (a killed postmaster's file stays behind), line 8 the status
    // ("standby" once a hot standby accepts read-only connections).
    try {
      const lines = readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n");
      const status = lines[7]?.trim();
      return lines[0] === String(pid) && (status === "ready" || status === "standby");
    } catch {
      return false;
    }
  };
  async function startOnce(): Promise<boolean> {
    const log = openSync(logFile, "a");
    const proc = Bun.spawn(asPostgres([`${PG_BIN}/postgres`, "-D", dataDir, "-p", String(port)]), { cwd: "/", stdin: "ignore", stdout: log, stderr: log });
    closeSync(log);
    let exited = false;
    void proc.exited.then(() => (exited = true));
    postmaster = proc;
    // Crash recovery after a kill -9 replays the WAL since the last checkpoint: allow for it.
    await until("PostgreSQL to accept connections", 60_000, () => exited || accepting(proc.pid));
    if (exited) postmaster = undefined;
    return !exited;
  }

  async function start() {
    if (destroyed) throw new Error("private-postgres: destroyed");
    if (postmaster) return;
    // Backends of a killed postmaster still attached to its shared memory make a new one refuse to start.
    await until("the killed postmaster's backends to exit", 10_000, () => orphans.every((pid) => !alive(pid)));
    orphans = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      if (await startOnce()) return;
      await Bun.sleep(100);
    }
    throw new Error(`private-postgres: PostgreSQL did not start on port ${port}:\n${logTail(logFile)}`);
  }

  async function stop(mode: StopMode = "fast") {
    const proc = postmaster;
    if (!proc) return;
    postmaster = undefined;
    proc.kill(SIGNAL_OF[mode]);
    await proc.exited;
  }

  try {
    await create(dataDir);
    // The first start may lose a race for the port it picked: pick another then.
    for (let attempt = 0; !(await startOnce()); attempt++) {
      if (attempt >= 4) throw new Error(`private-postgres: PostgreSQL did not start:\n${logTail(logFile)}`);
      port = pickPort();
    }
    await ready?.(port);
  } catch (err) {
    await stop("immediate").catch(() => {});
    rmSync(root, { recursive: true, force: true });
    throw err;
  }

  return {
    url: withDatabase(`postgres://postgres@127.0.0.1:${port}/postgres`, database),
    port,
    dataDir,
    logFile,
    start,
    stop,
    async restart(mode) {
      await stop(mode);
      await start();
    },
    async kill9() {
      const proc = postmaster;
      if (!proc) throw new Error("private-postgres: not running");
      postmaster = undefined;
      orphans = childrenOf(proc.pid);
      proc.kill("SIGKILL");
      await proc.exited;
    },
    async destroy() {
      if (destroyed) return;
      await stop("immediate");
      destroyed = true;
      await until("the killed postmaster's backends to exit", 10_000, () => orphans.every((pid) => !alive(pid))).catch(() => {});
      rmSync(root, { recursive: true, force: true });
    },
  };
}
