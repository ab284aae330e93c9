// The cluster's topology and tuning, once: `bun run cluster` (scripts/lib/cluster/local.ts) renders
// its Patroni and HAProxy configurations from here with local ports, the deploy description
// (docker-compose.cluster.yml with deploy/cluster/patroni.yml and haproxy.cfg) with container names,
// and test/deploy/cluster-config.test.ts checks that both say the same. `bun run cluster render`
// rewrites the two files under deploy/cluster/ after a change here.
import YAML from "yaml";

/** Service names, the same in the compose file and in the local script's logs, pid files and output. */
export const SERVICES = {
  etcd: "etcd",
  /** Patroni + PostgreSQL, one per node. */
  nodes: ["patroni1", "patroni2"],
  haproxy: "haproxy",
  /** The API; replicas are api1, api2... locally, `deploy.replicas` of one service in compose. */
  api: "api",
} as const;
export type NodeName = (typeof SERVICES.nodes)[number];

export const API_REPLICAS = 2;
export const SCOPE = "machpay";
export const DATABASE = "machpay";
export const REPLICATION_USER = "replicator";

/**
 * Patroni's dynamic configuration (bootstrap.dcs). Tuned for a fast failover; what it costs:
 * - ttl 8 s: the leader key outlives a dead leader by at most 8 s (a whole node gone: no one
 *   releases it). A primary that cannot renew it within 8 s (etcd or the machine stalled that
 *   long, a long GC pause of Patroni) is demoted: a stall of that length is a write outage
 *   (and a failover) where the default 30 s would have ridden it out.
 * - loop_wait 2 s: each Patroni runs its loop (a query on PostgreSQL, a write to etcd for the
 *   leader) every 2 s instead of 10 s: 5x the etcd writes and REST/SQL checks, negligible here.
 *   A crashed postmaster is noticed within 2 s.
 * - retry_timeout 3 s: an etcd or PostgreSQL operation that fails for 3 s counts as failed; an
 *   etcd outage of 3 s demotes the primary (Patroni 3.0 has no failsafe_mode on by default).
 *   ttl >= loop_wait + 2 * retry_timeout (8 >= 2 + 6), as Patroni's documentation asks.
 * - primary_start_timeout 0: a crashed primary is not restarted in place (crash recovery, often
 *   faster than a failover for a mere restart); the synchronous standby is promoted at once,
 *   and the old primary comes back as a standby, rewound by pg_rewind when its WAL diverged.
 * - synchronous_mode: an acknowledged COMMIT is on the standby's disk too (synchronous_commit
 *   on, one synchronous standby), and Patroni promotes only that standby: no acknowledged
 *   payment is lost by a failover. Costs a network round trip and the standby's fsync per
 *   commit (docs/scaling.md has the measured figure).
 * - synchronous_mode_strict false: with only two nodes, strict mode stops every write while
 *   one node is away (no standby to acknowledge), i.e. any single failure is an outage until
 *   the node is back. Not strict, Patroni lets the lone primary commit alone after a failover;
 *   during that window an acknowledged payment lives on one disk (as on today's single node)
 *   until the other node rejoins. With three nodes, strict mode would be the choice.
 */
export const PATRONI_DCS = {
  ttl: 8,
  loop_wait: 2,
  retry_timeout: 3,
  primary_start_timeout: 0,
  // The old name, for clusters that read it (Patroni < 2.1 and tools reading the key as is).
  master_start_timeout: 0,
  synchronous_mode: true,
  synchronous_mode_strict: false,
  // A standby more than 1 MB behind is not promoted (only relevant when not synchronous).
  maximum_lag_on_failover: 1_048_576,
  postgresql: {
    use_pg_rewind: true,
    use_slots: true,
    parameters: {
      wal_level: "replica",
      hot_standby: "on",
      max_connections: 200,
      max_wal_senders: 10,
      max_replication_slots: 10,
      wal_keep_size: "256MB",
      // pg_rewind needs hint bits in the WAL (Patroni turns it on too; said here to be explicit).
      wal_log_hints: "on",
      synchronous_commit: "on",
      fsync: "on",
      full_page_writes: "on",
      // Lag-tolerant reads on the standby must not be cancelled by vacuum on the primary.
      hot_standby_feedback: "on",
      // Fault runs tell late commits by pg_xact_commit_timestamp (scripts/lib/chaos-ledger.ts).
      track_commit_timestamp: "on",
      // A standby whose primary died retries its WAL sources every 5 s by default, and a promotion
      // waits out that sleep: promote took 5.1 s in 3 runs of 4 (test/db/failover.test.ts), 0.1-0.2 s
      // with 100 ms. Costs a connection attempt to the dead primary ten times a second meanwhile.
      wal_retrieve_retry_interval: "100ms",
      password_encryption: "scram-sha-256",
    },
  },
} as const;

/**
 * HAProxy's health checks. The database frontends ask each node's Patroni REST API (`/primary`
 * answers 200 only on the node holding the leader key and running as primary, `/replica` on a
 * running standby no more than `replicaMaxLag` behind); the API frontend asks each instance's /health.
 * inter 1 s, fall 2: a dead primary is out within ~2 s (it is also out as soon as Patroni demotes);
 * a down server is checked every 500 ms (downinter) and back on its first success (rise 1), so
 * the new primary gets traffic within 0.5 s of its promotion. Costs 2 checks/s per server, each
 * a REST call and a SQL query on the node: a few queries a second.
 * on-marked-down shutdown-sessions: the connections still open to a node marked down are cut at
 * once, so the API's pool reconnects (to the new primary) instead of waiting on a dead socket.
 */
export const HAPROXY_CHECKS = {
  inter: "1s",
  fastinter: "500ms",
  downinter: "500ms",
  fall: 2,
  rise: 1,
  onMarkedDown: "shutdown-sessions",
  primaryPath: "/primary",
  replicaPath: "/replica",
  /** Patroni's `lag` query parameter: a standby further behind leaves the replica frontend. */
  replicaMaxLag: "16MB",
  /**
   * /health, not /ready: during a failover /ready fails on every instance at once (the database is
   * away), HAProxy would then mark them all down and answer with its own 503 page instead of the
   * API's error envelope (payment_outcome_unknown, service_unavailable) a client acts on.
   */
  apiPath: "/health",
} as const;

/** Settings every API replica gets, whatever the host. */
export const API_FIXED_ENV = {
  NODE_ENV: "production",
  // Events between instances (SSE, webhooks) through LISTEN/NOTIFY on the primary.
  BROKER: "postgres",
  // Behind HAProxy: the client's address is in X-Forwarded-For (option forwardfor).
  TRUST_PROXY: "true",
  // The advisory lock serialises replicas starting together (src/db/migrate.ts).
  MIGRATE_ON_START: "true",
  // A batch whose COMMIT answer was lost asks the (new) primary whether it committed for this long
  // before answering 503 payment_outcome_unknown: a node failover takes ~8 s (ttl 8 s + promotion),
  // so the payer gets its 201 instead of having to replay. Default 3 s on a single node.
  PAYMENT_OUTCOME_WAIT_MS: "10000",
} as const;

/** Every variable an API replica is given: the fixed ones, the database routes and the shared secrets. */
export const API_ENV_KEYS = [
  ...Object.keys(API_FIXED_ENV),
  // Both nodes, target_session_attrs=read-write: the client finds the primary itself.
  "DATABASE_URL",
  // The HAProxy replica frontend: lag-tolerant reads.
  "DATABASE_READ_URL",
  // The same on every replica, or a token or key minted by one fails on another.
  "JWT_PRIVATE_KEY",
  "API_KEY_PEPPER",
  "ADMIN_TOKEN",
  "PUBLIC_URL",
  "HOST",
  "PORT",
].sort();

/** Ports inside the containers of the deploy description. */
export const DEPLOY_PORTS = {
  etcdClient: 2379,
  etcdPeer: 2380,
  postgres: 5432,
  patroniRest: 8008,
  haproxyPrimary: 5000,
  haproxyReplica: 5001,
  haproxyApi: 8080,
  haproxyStats: 7000,
  api: 8081,
} as const;

export interface NodeAddresses {
  name: string;
  /** Where others reach it (HAProxy, the standby, the API). */
  host: string;
  postgresPort: number;
  restPort: number;
}

/** Where one node's Patroni listens and keeps its files. */
export interface PatroniNodeOptions extends NodeAddresses {
  /** Address to bind: 127.0.0.1 locally, 0.0.0.0 in a container. */
  listenHost: string;
  etcdHosts: string;
  dataDir: string;
  pgpass: string;
  /** Unix socket directory of PostgreSQL ("" for none). */
  socketDir: string;
  logDir?: string;
  /** `trust` on loopback locally; `scram-sha-256` with passwords (from the environment) in containers. */
  auth: "trust" | "scram-sha-256";
  /** The network allowed in pg_hba. */
  network: string;
}

export const PG_BIN_DIR = "/usr/lib/postgresql/15/bin";

/** One node's patroni.yml, as an object (YAML.stringify for the file). */
export function patroniConfig(o: PatroniNodeOptions): Record<string, unknown> {
  const password = o.auth === "trust" ? {} : { password: "set by PATRONI_SUPERUSER_PASSWORD" };
  const replicationPassword = o.auth === "trust" ? {} : { password: "set by PATRONI_REPLICATION_PASSWORD" };
  return {
    scope: SCOPE,
    name: o.name,
    restapi: { listen: `${o.listenHost}:${o.restPort}`, connect_address: `${o.host}:${o.restPort}` },
    etcd3: { hosts: o.etcdHosts, protocol: "http" },
    bootstrap: {
      dcs: PATRONI_DCS,
      initdb: [{ encoding: "UTF8" }, { locale: "C.UTF-8" }, "data-checksums"],
    },
    postgresql: {
      listen: `${o.listenHost}:${o.postgresPort}`,
      connect_address: `${o.host}:${o.postgresPort}`,
      data_dir: o.dataDir,
      bin_dir: PG_BIN_DIR,
      pgpass: o.pgpass,
      // A spread checkpoint would hold a new standby's clone for minutes.
      basebackup: [{ checkpoint: "fast" }],
      authentication: {
        superuser: { username: "postgres", ...password },
        replication: { username: REPLICATION_USER, ...replicationPassword },
        rewind: { username: "postgres", ...password },
      },
      parameters: {
        unix_socket_directories: o.socketDir,
        ...(o.logDir ? { logging_collector: "on", log_directory: o.logDir, log_filename: "postgresql.log", log_line_prefix: "%m [%p] %q%u@%d ", log_min_messages: "warning" } : {}),
      },
      pg_hba: [
        `host replication ${REPLICATION_USER} ${o.network} ${o.auth}`,
        `host all all ${o.network} ${o.auth}`,
        ...(o.socketDir ? ["local all all trust"] : []),
      ],
    },
    watchdog: { mode: "off" },
    tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
    log: { level: "INFO", format: "%(asctime)s %(levelname)s: %(message)s" },
  };
}

// YAML 1.1 as Patroni's PyYAML reads it: "on" and "off" stay strings (quoted), not booleans.
export const patroniYaml = (o: PatroniNodeOptions) => YAML.stringify(patroniConfig(o), { lineWidth: 0, version: "1.1" });

export interface HaproxyOptions {
  bindHost: string;
  ports: { primary: number; replica: number; api: number; stats: number };
  nodes: NodeAddresses[];
  /** API instances: fixed addresses, or a DNS name resolved at run time (compose scales one service). */
  apis: { kind: "static"; servers: { name: string; host: string; port: number }[] } | { kind: "dns"; name: string; count: number; port: number; resolver: string };
}

const check = HAPROXY_CHECKS;
const checkParams = `check inter ${check.inter} fastinter ${check.fastinter} downinter ${check.downinter} fall ${check.fall} rise ${check.rise}`;

/** haproxy.cfg: the primary and replica database frontends, the API load balancer and the stats page. */
export function haproxyConfig(o: HaproxyOptions): string {
  const pgServers = (suffix: string) => o.nodes.map((n) => `  server ${n.name}${suffix} ${n.host}:${n.postgresPort} port ${n.restPort}`);
  const apiServers =
    o.apis.kind === "static"
      ? o.apis.servers.map((s) => `  server ${s.name} ${s.host}:${s.port}`)
      : [`  server-template ${o.apis.name} ${o.apis.count} ${o.apis.name}:${o.apis.port} resolvers ${o.apis.resolver} init-addr libc,none`];
  const resolvers = o.apis.kind === "dns" ? ["", `resolvers ${o.apis.resolver}`, "  parse-resolv-conf", "  hold valid 5s"] : [];
  return [
    "# Generated from scripts/lib/cluster/settings.ts: edit that file, then `bun run cluster render`.",
    "global",
    "  maxconn 2000",
    ...resolvers,
    "",
    "defaults",
    "  timeout connect 2s",
    "  timeout client 30s",
    "  timeout server 30s",
    "  timeout check 1s",
    "  retries 2",
    "  option redispatch",
    "",
    "listen stats",
    "  mode http",
    `  bind ${o.bindHost}:${o.ports.stats}`,
    "  stats enable",
    "  stats uri /",
    "  stats refresh 1s",
    "",
    "# Writes and money reads: the node whose Patroni holds the leader key.",
    "frontend postgres_primary",
    "  mode tcp",
    `  bind ${o.bindHost}:${o.ports.primary}`,
    "  timeout client 30m",
    "  default_backend postgres_primary",
    "",
    "backend postgres_primary",
    "  mode tcp",
    "  timeout server 30m",
    "  option httpchk",
    `  http-check send meth GET uri ${check.primaryPath}`,
    "  http-check expect status 200",
    `  default-server ${checkParams} on-marked-down ${check.onMarkedDown}`,
    ...pgServers(""),
    "",
    "# Lag-tolerant reads: a standby within the lag bound, else the primary.",
    "frontend postgres_replica",
    "  mode tcp",
    `  bind ${o.bindHost}:${o.ports.replica}`,
    "  timeout client 30m",
    "  use_backend postgres_replicas if { nbsrv(postgres_replicas) gt 0 }",
    "  default_backend postgres_primary",
    "",
    "backend postgres_replicas",
    "  mode tcp",
    "  timeout server 30m",
    "  balance roundrobin",
    "  option httpchk",
    `  http-check send meth GET uri ${check.replicaPath}?lag=${check.replicaMaxLag}`,
    "  http-check expect status 200",
    `  default-server ${checkParams} on-marked-down ${check.onMarkedDown}`,
    ...pgServers("_replica"),
    "",
    "# The API replicas.",
    "frontend api",
    "  mode http",
    `  bind ${o.bindHost}:${o.ports.api}`,
    "  timeout client 65s",
    "  option forwardfor",
    "  default_backend api",
    "",
    "backend api",
    "  mode http",
    "  timeout server 65s",
    // Server-sent events stay open.
    "  timeout tunnel 1h",
    "  balance roundrobin",
    "  option httpchk",
    // HTTP/1.1 with a Host: Bun's server takes a Host-less HTTP/1.0 request's path for a host ("/health" became "h").
    `  http-check send meth GET uri ${check.apiPath} ver HTTP/1.1 hdr Host ${SERVICES.api}`,
    "  http-check expect status 200",
    // retries and redispatch (defaults) re-send only requests that never reached a server.
    `  default-server ${checkParams}`,
    ...apiServers,
    "",
  ].join("\n");
}

/** postgres:// URL naming every node, for a client that finds the primary itself. */
export function multiHostUrl(nodes: NodeAddresses[], auth: string): string {
  return `postgres://${auth}@${nodes.map((n) => `${n.host}:${n.postgresPort}`).join(",")}/${DATABASE}?target_session_attrs=read-write`;
}

// --- The deploy description's rendering (docker-compose.cluster.yml mounts these files) ----------

export const DEPLOY_NODES: NodeAddresses[] = SERVICES.nodes.map((name) => ({ name, host: name, postgresPort: DEPLOY_PORTS.postgres, restPort: DEPLOY_PORTS.patroniRest }));

/** deploy/cluster/patroni.yml: one file for both nodes; each container sets PATRONI_NAME and its connect addresses. */
export function deployPatroniYaml(): string {
  const config = patroniConfig({
    ...DEPLOY_NODES[0]!,
    name: "set by PATRONI_NAME",
    host: "set-by-PATRONI_RESTAPI_CONNECT_ADDRESS",
    listenHost: "0.0.0.0",
    etcdHosts: `${SERVICES.etcd}:${DEPLOY_PORTS.etcdClient}`,
    dataDir: "/var/lib/postgresql/data/patroni",
    pgpass: "/tmp/pgpass",
    socketDir: "/var/run/postgresql",
    auth: "scram-sha-256",
    network: "0.0.0.0/0",
  });
  // The application database, created once on the first primary (locally the script creates it).
  (config.bootstrap as Record<string, unknown>).post_init = DEPLOY_POST_INIT;
  // Per-node values come from the environment (PATRONI_NAME, PATRONI_*_CONNECT_ADDRESS, passwords).
  delete config.name;
  const restapi = config.restapi as Record<string, unknown>;
  delete restapi.connect_address;
  const postgresql = config.postgresql as { connect_address?: unknown; authentication: Record<string, Record<string, unknown>> };
  delete postgresql.connect_address;
  for (const user of Object.values(postgresql.authentication)) delete user.password;
  return "# Generated from scripts/lib/cluster/settings.ts: edit that file, then `bun run cluster render`.\n" + YAML.stringify(config, { lineWidth: 0, version: "1.1" });
}

export function deployHaproxyCfg(): string {
  return haproxyConfig({
    bindHost: "*",
    ports: { primary: DEPLOY_PORTS.haproxyPrimary, replica: DEPLOY_PORTS.haproxyReplica, api: DEPLOY_PORTS.haproxyApi, stats: DEPLOY_PORTS.haproxyStats },
    nodes: DEPLOY_NODES,
    apis: { kind: "dns", name: SERVICES.api, count: API_REPLICAS * 2, port: DEPLOY_PORTS.api, resolver: "docker" },
  });
}

export const DEPLOY_POST_INIT = "/usr/local/bin/machpay-post-init";

export const DEPLOY_FILES = { patroni: "deploy/cluster/patroni.yml", haproxy: "deploy/cluster/haproxy.cfg", compose: "docker-compose.cluster.yml", patroniDockerfile: "deploy/cluster/Dockerfile.patroni", postInit: "deploy/cluster/post-init.sh" } as const;
