// The cluster of `bun run cluster` as local processes under .data/cluster/: etcd, two Patroni
// nodes (each running its PostgreSQL 15), HAProxy, and the API replicas. Used by scripts/cluster.ts
// (foreground, Ctrl-C stops it) and scripts/chaos-failover.ts (programmatically, with its faults).
//
// Every child runs in its own session (setsid): a Ctrl-C in the terminal reaches this process only,
// which then stops them in order (API, HAProxy, Patroni, etcd) rather than all at once. Their pids
// go to .data/cluster/cluster.json, so `bun run cluster stop` (or the next start) finds them even
// when this process was killed outright. Patroni and PostgreSQL run as the postgres OS user
// through setpriv, which execs (runuser stays a parent for its PAM session, so its pid would not
// be Patroni's and a kill -9 of it would miss Patroni), as scripts/lib/private-postgres.ts does.
import { chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { generateSigningJwk } from "@/auth";
import { randomBase62 } from "@/core/ids";
import { createSql } from "@/db/client";
import { asPostgres, isRoot, portFree, postgresIds } from "../postgres-user";
import { alive, childrenOf, cmdline } from "../procfs";
import {
  API_FIXED_ENV,
  API_REPLICAS,
  DATABASE,
  SERVICES,
  haproxyConfig,
  multiHostUrl,
  patroniYaml,
  type NodeAddresses,
  type NodeName,
} from "./settings";

const REPO = path.resolve(import.meta.dir, "../../..");
export const CLUSTER_ROOT = path.join(REPO, ".data/cluster");
const STATE_FILE = "cluster.json";
// Ports the machine's own services and the other scripts use by default.
const RESERVED = new Set([5432, 6379, 8081, 8082, 8899, 2379, 2380, 8008]);

export type DbRoute = "multihost" | "haproxy";

export interface ClusterOptions {
  /** First port tried; each service takes the next free one (CLUSTER_BASE_PORT, default 25400). */
  basePort?: number;
  /** How the API reaches the primary: the multi-host URL (default) or the HAProxy primary frontend. */
  route?: DbRoute;
  /** Extra or overriding environment of every API replica (DB_POOL_MAX, ENABLE_WORKERS, LOG_LEVEL...). */
  apiEnv?: Record<string, string>;
  apiReplicas?: number;
  /** Progress lines (default: stderr, prefixed "cluster: "). */
  log?: (line: string) => void;
}

export interface Member {
  name: string;
  role: string;
  state: string;
  host: string;
  port: number;
  timeline?: number;
  lag?: number | string;
}

interface ProcRecord {
  service: string;
  pid: number;
  /** A string the process's command line contains: a recycled pid is never taken for ours. */
  marker: string;
}

interface State {
  /** The process that started the cluster (scripts/cluster.ts or a chaos run). */
  owner: number;
  startedAt: string;
  urls: ClusterUrls;
  procs: ProcRecord[];
  adminToken: string;
}

export interface ClusterUrls {
  apiLb: string;
  apis: string[];
  haproxyPrimary: string;
  haproxyReplica: string;
  haproxyStats: string;
  etcd: string;
  patroni: Record<string, string>;
  /** Each node's PostgreSQL, directly. */
  nodes: Record<string, string>;
  databaseUrl: string;
  databaseReadUrl: string;
}

export interface ClusterPorts {
  etcdClient: number;
  etcdPeer: number;
  nodes: Record<NodeName, { postgres: number; rest: number }>;
  haproxyPrimary: number;
  haproxyReplica: number;
  haproxyApi: number;
  haproxyStats: number;
  apis: number[];
}

export interface LocalCluster {
  root: string;
  ports: ClusterPorts;
  urls: ClusterUrls;
  route: DbRoute;
  /** The environment every API replica got (secrets included): fixtures hash keys with its pepper. */
  apiEnv: Record<string, string>;
  /** Patroni's view (GET /cluster on the first node that answers); [] when none does. */
  members(): Promise<Member[]>;
  /** The node whose Patroni answers 200 on /primary, or null. */
  leader(): Promise<NodeName | null>;
  /** Waits for a primary (other than `not`, when given); resolves with its name. */
  waitForLeader(o?: { not?: NodeName; timeoutMs?: number }): Promise<NodeName>;
  /** Waits until a standby is in sync (role sync_standby, streaming). */
  waitForSyncStandby(timeoutMs?: number): Promise<NodeName>;
  /** kill -9 of the node's postmaster (its Patroni stays and reacts). */
  killPostgres(node: NodeName): number;
  /** kill -9 of the node's Patroni, its postmaster and every PostgreSQL process of it, as a machine dying. */
  killNode(node: NodeName): number[];
  /** Starts the node's Patroni again (after killNode); it rejoins as a standby. */
  startNode(node: NodeName): void;
  /** Exits of an API replica nobody asked for. */
  apiUnexpectedExits(): number;
  /** Stops everything (API, HAProxy, Patroni with its PostgreSQL, etcd); `keepData` leaves .data/cluster. */
  stop(o?: { keepData?: boolean }): Promise<{ apisOnSigterm: boolean; apiStopSeconds: number }>;
}

// ---------------------------------------------------------------------------------------------

function pickPorts(base: number, apis: number): ClusterPorts {
  let next = base;
  const take = () => {
    for (; next < 65000; next++) {
      if (!RESERVED.has(next) && portFree(next)) return next++;
    }
    throw new Error(`cluster: no free port from ${base}`);
  };
  const etcdClient = take();
  const etcdPeer = take();
  const nodes = Object.fromEntries(SERVICES.nodes.map((n) => [n, { postgres: take(), rest: take() }])) as ClusterPorts["nodes"];
  return { etcdClient, etcdPeer, nodes, haproxyPrimary: take(), haproxyReplica: take(), haproxyApi: take(), haproxyStats: take(), apis: Array.from({ length: apis }, take) };
}

function kill(pid: number, signal: NodeJS.Signals) {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, intervalMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`cluster: timed out after ${(timeoutMs / 1000).toFixed(0)} s waiting for ${what}`);
    await Bun.sleep(intervalMs);
  }
}

const httpStatus = (url: string, timeoutMs = 1000) =>
  fetch(url, { signal: AbortSignal.timeout(timeoutMs) }).then(
    async (r) => {
      await r.arrayBuffer();
      return r.status;
    },
    () => 0,
  );

const logTail = (file: string, lines = 12) => {
  try {
    return readFileSync(file, "utf8").trim().split("\n").slice(-lines).map((l) => `  | ${l}`).join("\n");
  } catch {
    return "  | (no log)";
  }
};

/** The packages (apt, as scripts/setup installs things) and pgvector (scripts/setup builds it when missing). */
export function ensureInstalled(log: (line: string) => void) {
  const script = `source ${JSON.stringify(path.join(REPO, "scripts/lib/cluster/packages.sh"))} && ensure_cluster_packages`;
  const r = Bun.spawnSync(["bash", "-c", script], { cwd: REPO, stdout: "inherit", stderr: "inherit" });
  if (r.exitCode !== 0) throw new Error("cluster: could not install patroni, etcd-server and haproxy");
  for (const bin of ["patroni", "etcd", "haproxy", "setpriv"]) {
    if (!Bun.which(bin)) throw new Error(`cluster: ${bin} is missing after installation`);
  }
  if (!existsSync("/usr/lib/postgresql/15/bin/postgres")) throw new Error("cluster: PostgreSQL 15 is missing (/usr/lib/postgresql/15/bin): run bash scripts/setup");
  if (!existsSync("/usr/lib/postgresql/15/lib/vector.so")) {
    log("pgvector is not installed for PostgreSQL 15: running bash scripts/setup");
    const s = Bun.spawnSync(["bash", "scripts/setup"], { cwd: REPO, stdout: "inherit", stderr: "inherit" });
    if (s.exitCode !== 0 || !existsSync("/usr/lib/postgresql/15/lib/vector.so")) throw new Error("cluster: pgvector is still missing after bash scripts/setup");
  }
}

/** Stops what a previous cluster left running (its owner killed, or still running: then stopped too). */
export async function stopRecorded(o: { root?: string; log?: (line: string) => void; graceMs?: number } = {}): Promise<boolean> {
  const root = o.root ?? CLUSTER_ROOT;
  const log = o.log ?? (() => {});
  let state: State;
  try {
    state = JSON.parse(readFileSync(path.join(root, STATE_FILE), "utf8")) as State;
  } catch {
    return false;
  }
  // The owner first: it stops its children in order and removes the state file.
  if (state.owner !== process.pid && alive(state.owner) && /cluster|chaos/.test(cmdline(state.owner))) {
    log(`stopping the running cluster (pid ${state.owner})`);
    kill(state.owner, "SIGTERM");
    await until("the cluster to stop", o.graceMs ?? 60_000, () => !alive(state.owner)).catch(() => {});
  }
  const ours = state.procs.filter((p) => alive(p.pid) && cmdline(p.pid).includes(p.marker));
  // The API and HAProxy, then Patroni (which stops its PostgreSQL), then etcd.
  const order = (s: string) => (s.startsWith(SERVICES.api) ? 0 : s === SERVICES.haproxy ? 1 : s === SERVICES.etcd ? 3 : 2);
  for (const rank of [0, 1, 2, 3]) {
    const batch = ours.filter((p) => order(p.service) === rank);
    for (const p of batch) kill(p.pid, "SIGTERM");
    await until("processes to exit", 20_000, () => batch.every((p) => !alive(p.pid))).catch(() => batch.forEach((p) => kill(p.pid, "SIGKILL")));
  }
  // A PostgreSQL whose Patroni was killed outright runs on by itself.
  for (const node of SERVICES.nodes) {
    const pid = postmasterPid(path.join(root, node, "data"));
    if (pid && alive(pid) && cmdline(pid).includes(root)) {
      kill(pid, "SIGQUIT");
      await until("PostgreSQL to exit", 10_000, () => !alive(pid)).catch(() => kill(pid, "SIGKILL"));
    }
  }
  if (ours.length > 0) log(`stopped ${ours.length} processes of the previous cluster`);
  rmSync(path.join(root, STATE_FILE), { force: true });
  return true;
}

function postmasterPid(dataDir: string): number | null {
  try {
    const pid = Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

const localNodes = (ports: ClusterPorts): NodeAddresses[] =>
  SERVICES.nodes.map((name) => ({ name, host: "127.0.0.1", postgresPort: ports.nodes[name].postgres, restPort: ports.nodes[name].rest }));

/** The local configuration files, from the settings (test/deploy/cluster-config.test.ts compares them with the deploy description). */
export function renderLocal(root: string, ports: ClusterPorts): { patroni: Record<NodeName, string>; haproxy: string } {
  const nodes = localNodes(ports);
  const patroni = Object.fromEntries(
    nodes.map((node) => {
      const dir = path.join(root, node.name);
      return [node.name, patroniYaml({
        ...node, listenHost: "127.0.0.1", etcdHosts: `127.0.0.1:${ports.etcdClient}`, dataDir: path.join(dir, "data"),
        pgpass: path.join(dir, "pgpass"), socketDir: dir, logDir: path.join(dir, "log"), auth: "trust", network: "127.0.0.1/32",
      })];
    }),
  ) as Record<NodeName, string>;
  const haproxy = haproxyConfig({
    bindHost: "127.0.0.1",
    ports: { primary: ports.haproxyPrimary, replica: ports.haproxyReplica, api: ports.haproxyApi, stats: ports.haproxyStats },
    nodes,
    apis: { kind: "static", servers: ports.apis.map((port, i) => ({ name: `${SERVICES.api}${i + 1}`, host: "127.0.0.1", port })) },
  });
  return { patroni, haproxy };
}

/** What every local API replica is given (its PORT aside): the same keys as the compose file's api service. */
export function localApiEnv(o: { urls: Pick<ClusterUrls, "databaseUrl" | "databaseReadUrl" | "apiLb">; jwk: string; pepper: string; adminToken: string }): Record<string, string> {
  return {
    ...API_FIXED_ENV,
    DATABASE_URL: o.urls.databaseUrl,
    DATABASE_READ_URL: o.urls.databaseReadUrl,
    JWT_PRIVATE_KEY: o.jwk,
    API_KEY_PEPPER: o.pepper,
    ADMIN_TOKEN: o.adminToken,
    PUBLIC_URL: o.urls.apiLb,
    HOST: "127.0.0.1",
  };
}

export async function startCluster(options: ClusterOptions = {}): Promise<LocalCluster> {
  const log = options.log ?? ((line: string) => console.error(`cluster: ${line}`));
  const route: DbRoute = options.route ?? "multihost";
  const root = CLUSTER_ROOT;
  ensureInstalled(log);
  await stopRecorded({ root, log });
  rmSync(root, { recursive: true, force: true });
  mkdirSync(path.join(root, "logs"), { recursive: true });

  const replicas = options.apiReplicas ?? API_REPLICAS;
  const ports = pickPorts(options.basePort ?? 25400, replicas);
  const nodes = localNodes(ports);
  const procs: ProcRecord[] = [];
  const children = new Map<string, ReturnType<typeof Bun.spawn>>();
  const logFile = (service: string) => path.join(root, "logs", `${service}.log`);
  const adminToken = randomBase62(32);

  const urls: ClusterUrls = {
    apiLb: `http://127.0.0.1:${ports.haproxyApi}`,
    apis: [],
    haproxyPrimary: `postgres://postgres@127.0.0.1:${ports.haproxyPrimary}/${DATABASE}`,
    haproxyReplica: `postgres://postgres@127.0.0.1:${ports.haproxyReplica}/${DATABASE}`,
    haproxyStats: `http://127.0.0.1:${ports.haproxyStats}/`,
    etcd: `http://127.0.0.1:${ports.etcdClient}`,
    patroni: Object.fromEntries(nodes.map((n) => [n.name, `http://127.0.0.1:${n.restPort}`])),
    nodes: Object.fromEntries(nodes.map((n) => [n.name, `postgres://postgres@127.0.0.1:${n.postgresPort}/${DATABASE}`])),
    databaseUrl: "",
    databaseReadUrl: `postgres://postgres@127.0.0.1:${ports.haproxyReplica}/${DATABASE}`,
  };
  // Through HAProxy too the client checks it reached a read-write server: for a second or two after
  // a crash HAProxy still counts the old primary up, which by then may be back as a read-only standby.
  urls.databaseUrl = route === "multihost" ? multiHostUrl(localNodes(ports), "postgres") : `${urls.haproxyPrimary}?target_session_attrs=read-write`;

  const saveState = () => {
    const state: State = { owner: process.pid, startedAt: new Date().toISOString(), urls, procs, adminToken };
    writeFileSync(path.join(root, STATE_FILE), JSON.stringify(state, null, 2) + "\n", { mode: 0o600 });
  };

  let apiExits = 0;
  const expectedExit = new Set<number>();

  function spawn(service: string, argv: string[], o: { env?: Record<string, string>; marker: string; uid?: boolean }) {
    const fd = openSync(logFile(service), "a");
    // setsid: its own session and process group, out of reach of the terminal's Ctrl-C.
    const proc = Bun.spawn(["setsid", ...argv], { cwd: o.uid ? "/" : REPO, env: { ...process.env, ...o.env }, stdin: "ignore", stdout: fd, stderr: fd });
    closeSync(fd);
    children.set(service, proc);
    const record = { service, pid: proc.pid, marker: o.marker };
    const i = procs.findIndex((p) => p.service === service);
    if (i >= 0) procs[i] = record;
    else procs.push(record);
    saveState();
    return proc;
  }

  // --- etcd -------------------------------------------------------------------------------------
  function startEtcd() {
    const dir = path.join(root, "etcd");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const peer = `http://127.0.0.1:${ports.etcdPeer}`;
    spawn(SERVICES.etcd, ["etcd", "--name", SERVICES.etcd, "--data-dir", dir,
      "--listen-client-urls", urls.etcd, "--advertise-client-urls", urls.etcd,
      "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
      "--initial-cluster", `${SERVICES.etcd}=${peer}`, "--initial-cluster-state", "new", "--initial-cluster-token", `machpay-${process.pid}`,
      // Leader election of a one-member cluster is immediate; these keep etcd's own timers short.
      "--heartbeat-interval", "100", "--election-timeout", "1000", "--logger", "zap", "--log-level", "warn"],
    { marker: dir });
  }

  // --- Patroni nodes ----------------------------------------------------------------------------
  const ids = isRoot() ? postgresIds() : null;
  const rendered = renderLocal(root, ports);
  function writePatroniConfig(node: NodeAddresses) {
    const dir = path.join(root, node.name);
    mkdirSync(path.join(dir, "log"), { recursive: true, mode: 0o700 });
    const file = path.join(dir, "patroni.yml");
    writeFileSync(file, rendered.patroni[node.name as NodeName]);
    if (ids) for (const p of [dir, path.join(dir, "log"), file]) chownSync(p, ids.uid, ids.gid);
  }
  function startPatroni(node: NodeName) {
    const dir = path.join(root, node);
    spawn(node, asPostgres(["patroni", path.join(dir, "patroni.yml")]), { marker: path.join(dir, "patroni.yml"), uid: true, env: { HOME: "/var/lib/postgresql", USER: "postgres", PGPASSFILE: path.join(dir, "pgpass") } });
  }

  // --- HAProxy ----------------------------------------------------------------------------------
  function startHaproxy() {
    const file = path.join(root, "haproxy.cfg");
    writeFileSync(file, rendered.haproxy);
    // -db: stay in the foreground (we are its parent); -W would fork a master.
    spawn(SERVICES.haproxy, ["haproxy", "-db", "-f", file], { marker: file });
  }

  // --- API replicas -----------------------------------------------------------------------------
  const apiEnv: Record<string, string> = {
    ...localApiEnv({ urls, jwk: JSON.stringify(await generateSigningJwk()), pepper: randomBase62(40), adminToken }),
    LOG_LEVEL: "info",
    ...options.apiEnv,
  };
  function startApi(i: number) {
    const service = `${SERVICES.api}${i + 1}`;
    // --no-orphans: should this process die outright, the API replicas go too.
    const proc = spawn(service, ["bun", "--no-orphans", "src/main.ts"], { env: { ...apiEnv, PORT: String(ports.apis[i]) }, marker: "src/main.ts" });
    void proc.exited.then(() => {
      if (!expectedExit.has(proc.pid)) apiExits++;
    });
    return proc;
  }

  async function members(): Promise<Member[]> {
    for (const url of Object.values(urls.patroni)) {
      try {
        const res = await fetch(`${url}/cluster`, { signal: AbortSignal.timeout(1000) });
        if (res.ok) return ((await res.json()) as { members: Member[] }).members;
      } catch {
        // that node is down: ask the other
      }
    }
    return [];
  }
  async function leader(): Promise<NodeName | null> {
    const answers = await Promise.all(SERVICES.nodes.map(async (n) => ((await httpStatus(`${urls.patroni[n]}/primary`)) === 200 ? n : null)));
    return answers.find((n) => n !== null) ?? null;
  }
  const waitForLeader: LocalCluster["waitForLeader"] = (o = {}) =>
    until(o.not ? `a primary other than ${o.not}` : "a primary", o.timeoutMs ?? 120_000, async () => {
      const l = await leader();
      return l && l !== o.not ? l : null;
    }, 50);
  const waitForSyncStandby: LocalCluster["waitForSyncStandby"] = (timeoutMs = 120_000) =>
    until("a synchronous standby", timeoutMs, async () => {
      const m = (await members()).find((x) => x.role === "sync_standby" && (x.state === "streaming" || x.state === "running"));
      return (m?.name as NodeName | undefined) ?? null;
    }, 200);

  const failed = (what: string, service: string) => new Error(`cluster: ${what}; the end of ${logFile(service)}:\n${logTail(logFile(service))}`);

  try {
    startEtcd();
    await until("etcd", 20_000, async () => (await fetch(`${urls.etcd}/health`).then((r) => r.json() as Promise<{ health?: string }>, () => ({} as { health?: string }))).health === "true").catch(() => {
      throw failed("etcd did not start", SERVICES.etcd);
    });
    log(`etcd on ${urls.etcd}`);

    for (const node of nodes) writePatroniConfig(node);
    // The first node bootstraps (initdb) alone; the second then clones it (pg_basebackup).
    startPatroni(SERVICES.nodes[0]);
    const first = await waitForLeader({ timeoutMs: 90_000 }).catch(() => {
      throw failed("the first Patroni node did not become primary", SERVICES.nodes[0]);
    });
    log(`${first} is the primary (PostgreSQL on 127.0.0.1:${ports.nodes[first].postgres})`);
    for (const n of SERVICES.nodes.slice(1)) startPatroni(n);

    // The database and its migrations, on the primary directly.
    const primaryDirect = `postgres://postgres@127.0.0.1:${ports.nodes[first].postgres}/postgres`;
    const admin = createSql(primaryDirect, { max: 1, applicationName: "cluster" });
    try {
      const [exists] = await admin<{ n: bigint }[]>`SELECT count(*) AS n FROM pg_database WHERE datname = ${DATABASE}`;
      if (exists!.n === 0n) await admin.unsafe(`CREATE DATABASE "${DATABASE}"`);
    } finally {
      await admin.end({ timeout: 5 });
    }
    const migrate = Bun.spawnSync(["bun", "run", "scripts/migrate.ts"], { cwd: REPO, env: { ...process.env, DATABASE_URL: urls.nodes[first]! }, stdout: "pipe", stderr: "pipe" });
    if (migrate.exitCode !== 0) throw new Error(`cluster: bun run migrate failed: ${migrate.stderr.toString().trim()}`);
    log(`database ${DATABASE} created and migrated (${migrate.stdout.toString().trim().split("\n").length} line(s) from migrate)`);

    const sync = await waitForSyncStandby(120_000).catch(() => {
      throw failed("the standby did not reach synchronous streaming", SERVICES.nodes[1]);
    });
    log(`${sync} is the synchronous standby`);

    startHaproxy();
    await until("HAProxy's primary frontend", 20_000, async () => {
      const probe = createSql(urls.haproxyPrimary, { max: 1, applicationName: "cluster-probe", connectTimeoutSeconds: 2 });
      try {
        await probe`SELECT 1`;
        return true;
      } catch {
        return false;
      } finally {
        await probe.end({ timeout: 1 });
      }
    }, 200).catch(() => {
      throw failed("HAProxy does not route to the primary", SERVICES.haproxy);
    });

    for (let i = 0; i < replicas; i++) {
      const proc = startApi(i);
      const url = `http://127.0.0.1:${ports.apis[i]}`;
      urls.apis.push(url);
      await until(`${SERVICES.api}${i + 1} on ${url}`, 60_000, async () => {
        if (proc.exitCode !== null) throw failed(`${SERVICES.api}${i + 1} exited`, `${SERVICES.api}${i + 1}`);
        return (await httpStatus(`${url}/ready`)) === 200;
      }, 200).catch((err) => {
        throw err instanceof Error && err.message.includes("exited") ? err : failed(`${SERVICES.api}${i + 1} is not ready`, `${SERVICES.api}${i + 1}`);
      });
    }
    saveState();
    await until("the API behind HAProxy", 20_000, async () => (await httpStatus(`${urls.apiLb}/ready`)) === 200, 200).catch(() => {
      throw failed("HAProxy does not route to the API", SERVICES.haproxy);
    });
  } catch (err) {
    await stopRecorded({ root, log: () => {} }).catch(() => {});
    throw err;
  }

  return {
    root,
    ports,
    urls,
    route,
    apiEnv,
    members,
    leader,
    waitForLeader,
    waitForSyncStandby,
    killPostgres(node) {
      const pid = postmasterPid(path.join(root, node, "data"));
      if (!pid || !alive(pid)) throw new Error(`cluster: ${node}'s PostgreSQL is not running`);
      kill(pid, "SIGKILL");
      return pid;
    },
    killNode(node) {
      const patroni = children.get(node);
      const pg = postmasterPid(path.join(root, node, "data"));
      // Everything at once, as a machine losing power: Patroni, the postmaster, its backends.
      const pids = [patroni?.pid, pg, ...(pg && alive(pg) ? childrenOf(pg) : [])].filter((p): p is number => typeof p === "number" && alive(p));
      for (const pid of pids) kill(pid, "SIGKILL");
      return pids;
    },
    startNode(node) {
      startPatroni(node);
    },
    apiUnexpectedExits: () => apiExits,
    async stop(o = {}) {
      // The API replicas first, on SIGTERM (their graceful shutdown), then the rest.
      const apis = [...children].filter(([s]) => s.startsWith(SERVICES.api)).map(([, p]) => p);
      const t0 = Date.now();
      for (const p of apis) {
        expectedExit.add(p.pid);
        p.kill("SIGTERM");
      }
      const grace = Number(apiEnv.SHUTDOWN_TIMEOUT_MS ?? 10_000) + 5000;
      const inTime = await Promise.race([Promise.all(apis.map((p) => p.exited)).then(() => true), Bun.sleep(grace).then(() => false)]);
      const apiStopSeconds = (Date.now() - t0) / 1000;
      await stopRecorded({ root, log: () => {} });
      if (!o.keepData) {
        // PostgreSQL's logs outlive the cluster, beside the others.
        for (const node of SERVICES.nodes) {
          const pgLog = path.join(root, node, "log", "postgresql.log");
          if (existsSync(pgLog)) Bun.spawnSync(["cp", pgLog, path.join(root, "logs", `${node}-postgresql.log`)]);
          rmSync(path.join(root, node), { recursive: true, force: true });
        }
        rmSync(path.join(root, "etcd"), { recursive: true, force: true });
      }
      return { apisOnSigterm: inTime, apiStopSeconds };
    },
  };
}
