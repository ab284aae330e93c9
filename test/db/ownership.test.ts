import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

// One writer per table (issue 13): every table has one owner, a module of src/ (or a plumbing
// layer), and only the owner's code writes it; other modules ask the owner's index.ts. Money is
// the reason: the ledger's audit holds only if the ledger is the only writer of money. Reads are
// free (a read joining users.status, say). Checked on the SQL text: INSERT INTO, UPDATE,
// DELETE FROM, TRUNCATE, MERGE INTO and COPY ... FROM naming a table (an ON CONFLICT DO UPDATE
// writes its INSERT's table), in src/ and in the functions the migrations define (triggers).

const ROOT = path.resolve(import.meta.dir, "../..");
const SRC = path.join(ROOT, "src");
const SQL_DIR = path.join(ROOT, "sql");

/** Every table, and the one unit (a folder of src/) that writes it. */
const OWNER: Record<string, string> = {
  // Identity.
  users: "auth",
  api_keys: "auth",
  auth_nonces: "auth",
  email_otps: "auth",
  refresh_tokens: "auth",
  profiles: "profiles",
  // Money: the ledger alone.
  agent_accounts: "ledger",
  vendor_accounts: "ledger",
  deposits: "ledger",
  transactions: "ledger",
  payment_intents: "ledger",
  intent_nonces: "ledger",
  platform_accounts: "ledger",
  idempotency_keys: "ledger",
  agent_limits: "ledger",
  agent_daily_spend: "ledger",
  payment_event_batches: "ledger",
  payouts: "payouts",
  recon_events: "payouts",
  // The rest of the network.
  device_keys: "pairing",
  link_requests: "pairing",
  services: "registry",
  service_embeddings: "registry",
  service_index_queue: "registry",
  notifications: "notifications",
  notification_deliveries: "notifications",
  webhooks: "notifications",
  realtime_events: "realtime",
  realtime_outbox: "realtime",
  network_minute_stats: "public",
  network_participants: "public",
  network_flows_hourly: "public",
  vendor_regions: "simulation",
  chain_checkpoints: "chain",
  // Telemetry: what gateways and agent SDKs report (sql/0016), written by the receiver.
  telemetry_partitions: "telemetry",
  telemetry_events: "telemetry",
  payment_authorized: "telemetry",
  request_blocked: "telemetry",
  solvency_alerts: "telemetry",
  gateway_telemetry: "telemetry",
  agent_telemetry: "telemetry",
  metrics: "telemetry",
  logs: "telemetry",
  gateway_address_reports: "telemetry",
  // Telemetry's hourly rollups and alert record (sql/0017), written by its rollup job.
  telemetry_gateway_hourly: "telemetry",
  telemetry_route_hourly: "telemetry",
  telemetry_network_hourly: "telemetry",
  telemetry_network_route_hourly: "telemetry",
  telemetry_agent_hourly: "telemetry",
  telemetry_rollup_state: "telemetry",
  telemetry_alerts: "telemetry",
  // x402: exact's duplicate-settlement claims (sql/0018); its payments are the ledger's transactions.
  x402_exact_settlements: "x402",
  // Plumbing.
  schema_migrations: "db",
  rate_limit_counters: "http",
};

/** The migrations' functions that write, and whose code they are (a trigger runs its owner's rule, whoever's insert fires it). */
const FUNCTION_OWNER: Record<string, string> = {
  realtime_outbox_fill: "realtime",
  network_rollup: "public",
  ledger_open_account: "ledger",
};

function files(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return files(full, pattern);
    return pattern.test(name) ? [full] : [];
  });
}

/** src/<unit>/...: the unit; src/config.ts: config. */
const unitOf = (file: string) => {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length === 1 ? rel[0]!.replace(/\.tsx?$/, "") : rel[0]!;
};

/** Comments say "UPDATE users ..." when they explain a write; only code counts. */
const withoutComments = (text: string) =>
  text
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "")
    .replace(/^\s*--.*$/gm, "");

const WRITE = /(?<!\b(?:FOR|DO|KEY|NO)\s+)\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?|MERGE\s+INTO|COPY)\s+(?:ONLY\s+)?("?[A-Za-z_$][\w$]*"?|\$\{)/gi;

/** The tables a piece of code writes; `${` stands for a table named at run time. */
function writes(code: string): string[] {
  const out: string[] = [];
  for (const m of withoutComments(code).matchAll(WRITE)) {
    const target = m[1]!.replace(/"/g, "").toLowerCase();
    if (target === "${" || target in OWNER) out.push(target);
  }
  return out;
}

const migrations = files(SQL_DIR, /\.sql$/).map((f) => ({ file: path.relative(ROOT, f), text: readFileSync(f, "utf8") }));
const sources = files(SRC, /\.tsx?$/).filter((f) => !f.startsWith(path.join(SRC, "client") + path.sep));

describe("one writer per table", () => {
  test("every table the migrations (or the migration runner) create has an owner", () => {
    const created = new Set<string>();
    for (const { text } of [...migrations, ...sources.map((f) => ({ text: readFileSync(f, "utf8") }))]) {
      for (const m of withoutComments(text).matchAll(/CREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([a-z_][a-z0-9_]*)/gi)) created.add(m[1]!.toLowerCase());
    }
    for (const { text } of migrations) for (const m of withoutComments(text).matchAll(/DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?([a-z_][a-z0-9_]*)/gi)) created.delete(m[1]!.toLowerCase());
    expect([...created].filter((t) => !(t in OWNER)).sort()).toEqual([]);
    // And the map names no table that does not exist (a rename would leave a stale owner behind).
    expect(Object.keys(OWNER).filter((t) => !created.has(t)).sort()).toEqual([]);
  });

  test("src/ writes a table only from its owner's code", () => {
    const bad: string[] = [];
    for (const file of sources) {
      const unit = unitOf(file);
      for (const table of writes(readFileSync(file, "utf8"))) {
        if (table === "${") bad.push(`${path.relative(SRC, file)} writes a table named at run time: name it, so that its owner can be checked`);
        else if (OWNER[table] !== unit) bad.push(`${path.relative(SRC, file)} (${unit}) writes ${table}, which ${OWNER[table]} owns: go through ${OWNER[table]}'s index.ts`);
      }
    }
    expect(bad).toEqual([]);
  });

  test("a migration's function writes only tables of the function's owner", () => {
    const bad: string[] = [];
    for (const { file, text } of migrations) {
      for (const m of text.matchAll(/CREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+([a-z_][a-z0-9_]*)[\s\S]*?\$\$([\s\S]*?)\$\$/gi)) {
        const [, name, body] = m as unknown as [string, string, string];
        for (const table of writes(body)) {
          const owner = FUNCTION_OWNER[name];
          if (!owner) bad.push(`${file}: function ${name} writes ${table} but has no owner in FUNCTION_OWNER`);
          else if (OWNER[table] !== owner) bad.push(`${file}: function ${name} (${owner}) writes ${table}, which ${OWNER[table]} owns`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  test("the check sees writes: the ledger writes money, auth writes users", () => {
    const writers = new Map<string, Set<string>>();
    for (const file of sources) for (const table of writes(readFileSync(file, "utf8"))) writers.set(table, (writers.get(table) ?? new Set()).add(unitOf(file)));
    expect([...(writers.get("agent_accounts") ?? [])]).toEqual(["ledger"]);
    expect([...(writers.get("vendor_accounts") ?? [])]).toEqual(["ledger"]);
    expect([...(writers.get("users") ?? [])]).toEqual(["auth"]);
    expect(writes("sql`UPDATE profiles p SET name = 'x'`; sql`SELECT 1 FROM users FOR UPDATE`; sql`INSERT INTO deposits ...`")).toEqual(["profiles", "deposits"]);
    expect(writes("sql`INSERT INTO x ON CONFLICT (k) DO UPDATE SET users = 1`;\n  // UPDATE users SET balance")).toEqual([]);
  });
});
