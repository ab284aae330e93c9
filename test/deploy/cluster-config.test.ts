import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { localApiEnv, renderLocal, type ClusterPorts } from "../../scripts/lib/cluster/local";
import {
  API_ENV_KEYS,
  API_FIXED_ENV,
  API_REPLICAS,
  DATABASE,
  DEPLOY_FILES,
  DEPLOY_PORTS,
  DEPLOY_POST_INIT,
  HAPROXY_CHECKS,
  PATRONI_DCS,
  SERVICES,
  deployHaproxyCfg,
  deployPatroniYaml,
} from "../../scripts/lib/cluster/settings";

// The deploy description (docker-compose.cluster.yml and the files it mounts) and `bun run cluster`
// must describe the same cluster: the same services, Patroni's failover tuning, HAProxy's checks
// and the API's environment. Both render from scripts/lib/cluster/settings.ts; this reads the
// checked-in files (no docker, no network) and the local script's rendering and compares them.

const ROOT = path.resolve(import.meta.dir, "../..");
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");

interface ComposeService {
  build?: string | { context: string; dockerfile?: string };
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
  healthcheck?: { test: string[] };
}
const compose = YAML.parse(read(DEPLOY_FILES.compose), { merge: true }) as { services: Record<string, ComposeService> };
const services = compose.services;

// Ports as the local script would pick them (any will do: only the shape is compared).
const LOCAL_PORTS: ClusterPorts = {
  etcdClient: 25400,
  etcdPeer: 25401,
  nodes: { patroni1: { postgres: 25402, rest: 25403 }, patroni2: { postgres: 25404, rest: 25405 } },
  haproxyPrimary: 25406,
  haproxyReplica: 25407,
  haproxyApi: 25408,
  haproxyStats: 25409,
  apis: [25410, 25411],
};
const local = renderLocal("/tmp/machpay-cluster-test", LOCAL_PORTS);
const deployPatroni = YAML.parse(read(DEPLOY_FILES.patroni)) as { bootstrap: { dcs: unknown; post_init?: string }; etcd3: { hosts: string } };
const deployHaproxy = read(DEPLOY_FILES.haproxy);

/** The health-check lines of each HAProxy backend: what it asks, how often, what happens on failure. */
function checks(cfg: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let current: string | null = null;
  for (const raw of cfg.split("\n")) {
    const line = raw.trim();
    const section = /^(backend|frontend|listen)\s+(\S+)/.exec(line);
    if (section) current = section[1] === "backend" ? section[2]! : null;
    else if (current && /^(option httpchk|http-check|default-server|balance|timeout server)/.test(line)) (out[current] ??= []).push(line);
  }
  return out;
}

describe("docker-compose.cluster.yml and `bun run cluster` describe the same cluster", () => {
  test("the deploy files are what the settings render (`bun run cluster render` after a change)", () => {
    expect(read(DEPLOY_FILES.patroni)).toBe(deployPatroniYaml());
    expect(read(DEPLOY_FILES.haproxy)).toBe(deployHaproxyCfg());
  });

  test("the same services: etcd, the Patroni nodes, HAProxy and the API", () => {
    expect(Object.keys(services).sort()).toEqual([SERVICES.etcd, ...SERVICES.nodes, SERVICES.haproxy, SERVICES.api].sort());
    expect(services[SERVICES.api]!.deploy?.replicas).toBe(API_REPLICAS);
    expect(LOCAL_PORTS.apis).toHaveLength(API_REPLICAS);
    // The local HAProxy balances over api1..apiN; the compose one over the api service's replicas.
    expect(local.haproxy).toContain(`server ${SERVICES.api}1 `);
    expect(local.haproxy).toContain(`server ${SERVICES.api}${API_REPLICAS} `);
    expect(deployHaproxy).toMatch(new RegExp(`server-template ${SERVICES.api} \\d+ ${SERVICES.api}:${DEPLOY_PORTS.api} `));
    for (const node of SERVICES.nodes) {
      expect(local.haproxy).toContain(`server ${node} 127.0.0.1:${LOCAL_PORTS.nodes[node].postgres} port ${LOCAL_PORTS.nodes[node].rest}`);
      expect(deployHaproxy).toContain(`server ${node} ${node}:${DEPLOY_PORTS.postgres} port ${DEPLOY_PORTS.patroniRest}`);
    }
  });

  test("Patroni: the same failover tuning (ttl, loop_wait, retry_timeout, synchronous mode, pg_rewind) on every node", () => {
    const dcs = PATRONI_DCS;
    expect(dcs.ttl).toBeGreaterThanOrEqual(dcs.loop_wait + 2 * dcs.retry_timeout);
    expect(dcs.synchronous_mode).toBe(true);
    expect(dcs.primary_start_timeout).toBe(0);
    expect(dcs.postgresql.use_pg_rewind).toBe(true);
    // Parsed back from the YAML files, as Patroni reads them.
    const expected = JSON.parse(JSON.stringify(dcs));
    expect(deployPatroni.bootstrap.dcs).toEqual(expected);
    for (const node of SERVICES.nodes) {
      const config = YAML.parse(local.patroni[node]) as { name: string; bootstrap: { dcs: unknown }; etcd3: { hosts: string }; scope: string };
      expect(config.name).toBe(node);
      expect(config.bootstrap.dcs).toEqual(expected);
      expect(config.etcd3.hosts).toBe(`127.0.0.1:${LOCAL_PORTS.etcdClient}`);
    }
    expect(deployPatroni.etcd3.hosts).toBe(`${SERVICES.etcd}:${DEPLOY_PORTS.etcdClient}`);
  });

  test("each compose node names itself as the service does, and both mount the rendered patroni.yml", () => {
    for (const node of SERVICES.nodes) {
      const s = services[node]!;
      expect(s.environment?.PATRONI_NAME).toBe(node);
      expect(s.environment?.PATRONI_RESTAPI_CONNECT_ADDRESS).toBe(`${node}:${DEPLOY_PORTS.patroniRest}`);
      expect(s.environment?.PATRONI_POSTGRESQL_CONNECT_ADDRESS).toBe(`${node}:${DEPLOY_PORTS.postgres}`);
      expect(s.volumes).toContain(`./${DEPLOY_FILES.patroni}:/etc/patroni/patroni.yml:ro`);
      expect(s.build).toEqual({ context: ".", dockerfile: DEPLOY_FILES.patroniDockerfile });
      expect(s.depends_on?.[SERVICES.etcd]?.condition).toBe("service_healthy");
    }
    expect(services[SERVICES.haproxy]!.volumes).toContain(`./${DEPLOY_FILES.haproxy}:/usr/local/etc/haproxy/haproxy.cfg:ro`);
    expect(services[SERVICES.etcd]!.command).toContain(`--listen-client-urls=http://0.0.0.0:${DEPLOY_PORTS.etcdClient}`);
  });

  test("HAProxy: the same checks on every backend (Patroni /primary and /replica, the API's /health)", () => {
    const l = checks(local.haproxy);
    const d = checks(deployHaproxy);
    expect(Object.keys(l).sort()).toEqual(["api", "postgres_primary", "postgres_replicas"]);
    expect(d).toEqual(l);
    const c = HAPROXY_CHECKS;
    const params = `check inter ${c.inter} fastinter ${c.fastinter} downinter ${c.downinter} fall ${c.fall} rise ${c.rise}`;
    expect(l.postgres_primary).toContain(`http-check send meth GET uri ${c.primaryPath}`);
    expect(l.postgres_primary).toContain(`default-server ${params} on-marked-down ${c.onMarkedDown}`);
    expect(l.postgres_replicas).toContain(`http-check send meth GET uri ${c.replicaPath}?lag=${c.replicaMaxLag}`);
    expect(l.postgres_replicas).toContain(`default-server ${params} on-marked-down ${c.onMarkedDown}`);
    expect(l.api!.some((line) => line.startsWith(`http-check send meth GET uri ${c.apiPath} `))).toBe(true);
    // The replica frontend falls back to the primary when no standby is within the lag bound.
    for (const cfg of [local.haproxy, deployHaproxy]) {
      expect(cfg).toContain("use_backend postgres_replicas if { nbsrv(postgres_replicas) gt 0 }");
      expect(cfg).toMatch(/frontend postgres_replica\n(.+\n)*?  default_backend postgres_primary/);
    }
    // What compose publishes is what haproxy.cfg binds.
    const published = services[SERVICES.haproxy]!.ports!.map((p) => Number(p.split(":").at(-1)));
    for (const port of [DEPLOY_PORTS.haproxyPrimary, DEPLOY_PORTS.haproxyReplica, DEPLOY_PORTS.haproxyApi, DEPLOY_PORTS.haproxyStats]) {
      expect(published).toContain(port);
      expect(deployHaproxy).toContain(`bind *:${port}`);
    }
  });

  test("the API: the same environment keys and fixed values locally and in compose", () => {
    const env = services[SERVICES.api]!.environment!;
    expect(Object.keys(env).sort()).toEqual(API_ENV_KEYS);
    const localEnv = localApiEnv({ urls: { databaseUrl: "postgres://x@a:1,b:2/machpay?target_session_attrs=read-write", databaseReadUrl: "postgres://x@c:3/machpay", apiLb: "http://127.0.0.1:1" }, jwk: "{}", pepper: "p", adminToken: "t" });
    // PORT is each local replica's own (startCluster adds it per instance).
    expect(Object.keys({ ...localEnv, PORT: "" }).sort()).toEqual(API_ENV_KEYS);
    for (const [key, value] of Object.entries(API_FIXED_ENV)) {
      expect(env[key]).toBe(value);
      expect(localEnv[key]).toBe(value);
    }
    // Both nodes and read-write in DATABASE_URL; the HAProxy replica frontend in DATABASE_READ_URL.
    const hosts = SERVICES.nodes.map((n) => `${n}:${DEPLOY_PORTS.postgres}`).join(",");
    expect(env.DATABASE_URL).toContain(`@${hosts}/${DATABASE}?target_session_attrs=read-write`);
    expect(env.DATABASE_READ_URL).toContain(`@${SERVICES.haproxy}:${DEPLOY_PORTS.haproxyReplica}/${DATABASE}`);
    expect(env.PORT).toBe(String(DEPLOY_PORTS.api));
    // The secrets are shared by every replica and required, never defaulted.
    for (const secret of ["JWT_PRIVATE_KEY", "API_KEY_PEPPER", "ADMIN_TOKEN"]) expect(env[secret]).toMatch(new RegExp(`^\\$\\{${secret}:\\?`));
  });

  test("the files the compose file builds and mounts exist; the database is created once by post_init", () => {
    for (const file of Object.values(DEPLOY_FILES)) expect(existsSync(path.join(ROOT, file))).toBe(true);
    expect(deployPatroni.bootstrap.post_init).toBe(DEPLOY_POST_INIT);
    expect(read(DEPLOY_FILES.patroniDockerfile)).toContain(`COPY ${DEPLOY_FILES.postInit} ${DEPLOY_POST_INIT}`);
    expect(read(DEPLOY_FILES.postInit)).toContain(`CREATE DATABASE ${DATABASE}`);
  });
});
