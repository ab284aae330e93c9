// `bun run cluster`: the whole cluster topology on this machine, from Debian packages, as local
// processes on free ports under .data/cluster/ (started afresh each time): etcd, two Patroni nodes
// (PostgreSQL 15 with pgvector, synchronous replication), HAProxy (primary and replica database
// frontends, the API load balancer, a stats page) and two API replicas. Prints the URLs and runs
// in the foreground; Ctrl-C or SIGTERM stops everything.
//   bun run cluster          start (installs patroni, etcd-server, haproxy with apt when missing)
//   bun run cluster stop     stops a running one (from .data/cluster/cluster.json)
//   bun run cluster render   rewrites deploy/cluster/patroni.yml and haproxy.cfg from the settings
// Environment: CLUSTER_BASE_PORT (first port tried, default 25400); CLUSTER_DB_ROUTE=multihost
// (default: DATABASE_URL names both nodes, target_session_attrs=read-write) or haproxy (the API
// reaches the primary through HAProxy's primary frontend); CLUSTER_API_REPLICAS (default 2).
import { writeFileSync } from "node:fs";
import { CLUSTER_ROOT, startCluster, stopRecorded, type DbRoute } from "./lib/cluster/local";
import { API_REPLICAS, DEPLOY_FILES, HAPROXY_CHECKS, PATRONI_DCS, deployHaproxyCfg, deployPatroniYaml } from "./lib/cluster/settings";

const command = process.argv[2] ?? "start";
const log = (line: string) => console.error(`cluster: ${line}`);

function route(): DbRoute {
  const raw = process.env.CLUSTER_DB_ROUTE || "multihost";
  if (raw !== "multihost" && raw !== "haproxy") {
    console.error(`cluster: CLUSTER_DB_ROUTE: expected multihost or haproxy (got "${raw}")`);
    process.exit(2);
  }
  return raw;
}

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    console.error(`cluster: ${name}: expected a positive integer (got "${raw}")`);
    process.exit(2);
  }
  return n;
}

if (command === "stop") {
  const found = await stopRecorded({ log });
  log(found ? "stopped" : `no cluster recorded in ${CLUSTER_ROOT}`);
  process.exit(0);
}

if (command === "render") {
  writeFileSync(DEPLOY_FILES.patroni, deployPatroniYaml());
  writeFileSync(DEPLOY_FILES.haproxy, deployHaproxyCfg());
  log(`wrote ${DEPLOY_FILES.patroni} and ${DEPLOY_FILES.haproxy}`);
  process.exit(0);
}

if (command !== "start") {
  console.error(`cluster: unknown command "${command}" (expected start, stop or render)`);
  process.exit(2);
}

let stopping = false;
let cluster: Awaited<ReturnType<typeof startCluster>> | undefined;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping`);
  if (cluster) await cluster.stop();
  else await stopRecorded({ log });
  log("stopped");
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGHUP", () => void shutdown("SIGHUP"));

const t0 = performance.now();
try {
  cluster = await startCluster({ route: route(), basePort: positiveInt("CLUSTER_BASE_PORT", 25400), apiReplicas: positiveInt("CLUSTER_API_REPLICAS", API_REPLICAS), log });
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
}
if (stopping) await new Promise(() => {});

const u = cluster.urls;
const members = await cluster.members();
const d = PATRONI_DCS;
const c = HAPROXY_CHECKS;
const lines = [
  `cluster: up in ${((performance.now() - t0) / 1000).toFixed(1)} s (files and logs under ${CLUSTER_ROOT})`,
  `  API (load balancer)     ${u.apiLb}`,
  ...u.apis.map((url, i) => `  API replica ${i + 1}           ${url}`),
  `  PostgreSQL primary      ${u.haproxyPrimary}   (HAProxy, Patroni ${c.primaryPath})`,
  `  PostgreSQL replica      ${u.haproxyReplica}   (HAProxy, Patroni ${c.replicaPath}, else the primary)`,
  ...members.map((m) => `  ${m.name.padEnd(22)}  ${u.nodes[m.name]}   ${m.role}, ${m.state}; Patroni REST ${u.patroni[m.name]}`),
  `  etcd (v3)               ${u.etcd}`,
  `  HAProxy stats           ${u.haproxyStats}`,
  `  API DATABASE_URL        ${u.databaseUrl}   (CLUSTER_DB_ROUTE=${cluster.route})`,
  `  API DATABASE_READ_URL   ${u.databaseReadUrl}`,
  `  admin token             ${cluster.apiEnv.ADMIN_TOKEN}   (Authorization: Bearer, /v1/admin/*)`,
  `  Patroni: ttl ${d.ttl} s, loop_wait ${d.loop_wait} s, retry_timeout ${d.retry_timeout} s, primary_start_timeout ${d.primary_start_timeout}, synchronous_mode ${d.synchronous_mode} (strict ${d.synchronous_mode_strict}), use_pg_rewind ${d.postgresql.use_pg_rewind}`,
  `  patronictl: patronictl -c ${CLUSTER_ROOT}/patroni1/patroni.yml list`,
  "cluster: running; Ctrl-C or `bun run cluster stop` stops it",
];
console.log(lines.join("\n"));
await new Promise(() => {});
