import * as v from "valibot";

// The one place that reads the environment. Every setting is parsed once at start
// and injected; tests build a Config with parseConfig({...}) and never touch process.env.

const int = (min: number, max: number) =>
  v.pipe(
    v.string(),
    v.trim(),
    v.regex(/^-?\d+$/, "expected an integer"),
    v.transform(Number),
    v.number(),
    v.minValue(min, `expected an integer >= ${min}`),
    v.maxValue(max, `expected an integer <= ${max}`),
  );

const bool = v.pipe(
  v.string(),
  v.trim(),
  v.toLowerCase(),
  v.picklist(["true", "false", "1", "0", "yes", "no"], "expected true or false"),
  v.transform((s) => s === "true" || s === "1" || s === "yes"),
);

// One host or a libpq host list (postgres://u@h1:5432,h2:5432/db), and a target_session_attrs
// src/db/hosts.ts understands: new URL() refuses a host list, so the authority is checked here.
const TARGET_SESSION_ATTRS = /[?&]target_session_attrs=(?!(any|read-write|primary|read-only|standby|prefer-standby)(&|$))/;
const HOST_PORT = String.raw`(\[[0-9A-Fa-f:.]+\]|[^,:/?#@[\]]+)(:\d{1,5})?`;
const POSTGRES_URL = new RegExp(String.raw`^postgres(ql)?://([^/?#@]*@)?${HOST_PORT}(,${HOST_PORT})*(/[^?#]*)?(\?[^#]*)?$`);
const postgresUrl = v.pipe(
  v.string(),
  v.trim(),
  v.regex(/^postgres(ql)?:\/\/.+/, "expected a postgres:// URL"),
  v.check((s) => !/^postgres(ql)?:\/\//.test(s) || POSTGRES_URL.test(s), "expected postgres://[user[:password]@]host[:port][,host[:port]...]/database[?parameters]"),
  v.check((s) => !TARGET_SESSION_ATTRS.test(s), "expected target_session_attrs any, read-write, primary, read-only, standby or prefer-standby"),
);

const httpUrl = v.pipe(v.string(), v.trim(), v.url("expected a URL"), v.regex(/^https?:\/\//, "expected an http(s) URL"));

function parseJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
const isEd25519Jwk = (k: unknown): k is Record<string, unknown> =>
  typeof k === "object" && k !== null && (k as { kty?: unknown }).kty === "OKP" && (k as { crv?: unknown }).crv === "Ed25519" && typeof (k as { kid?: unknown }).kid === "string";
const isEd25519PrivateJwk = (s: string) => {
  const k = parseJson(s);
  return isEd25519Jwk(k) && typeof k.d === "string";
};
const isJwkArray = (s: string) => {
  const k = parseJson(s);
  return Array.isArray(k) && k.every(isEd25519Jwk);
};

const csv = v.pipe(
  v.string(),
  v.transform((s) =>
    s
      .split(",")
      .map((x) => x.trim())
      .filter((x) => x.length > 0),
  ),
);

/** The chain ids of Sign-In-With-Solana messages. */
export const SOLANA_CLUSTERS = ["mainnet", "devnet", "testnet", "localnet"] as const;
export type SolanaCluster = (typeof SOLANA_CLUSTERS)[number];

export const ConfigSchema = v.object({
  NODE_ENV: v.optional(v.picklist(["development", "test", "production"], "expected development, test or production"), "development"),
  PORT: v.optional(int(0, 65535), "8081"),
  HOST: v.optional(v.pipe(v.string(), v.nonEmpty("expected a host name or address")), "0.0.0.0"),
  DATABASE_URL: v.optional(postgresUrl, "postgres://postgres@127.0.0.1:5432/machpay"),
  DB_POOL_MAX: v.optional(int(1, 200), "10"),
  // Reads that may lag (public dashboards, ticker, leaderboard, search) go to this replica while its
  // measured lag stays under DATABASE_READ_MAX_LAG_MS (docs/read-replicas.md); absent: the primary.
  DATABASE_READ_URL: v.optional(postgresUrl),
  DATABASE_READ_MAX_LAG_MS: v.optional(int(0, 3_600_000), "5000"),
  DB_READ_POOL_MAX: v.optional(int(1, 200), "4"),
  LOG_LEVEL: v.optional(v.picklist(["debug", "info", "warn", "error", "silent"], "expected debug, info, warn, error or silent"), "info"),
  CONSOLE_ORIGINS: v.optional(csv, ""),
  // The MCP endpoint's DNS-rebinding protection (src/mcp/origin.ts): browser origins besides the
  // console's, PUBLIC_URL's and loopback ones; and, when set, the only Host names it answers.
  MCP_ALLOWED_ORIGINS: v.optional(csv, ""),
  MCP_ALLOWED_HOSTS: v.optional(csv, ""),
  BODY_LIMIT_BYTES: v.optional(int(1024, 64 * 1024 * 1024), "1048576"),
  ENABLE_SIMULATION: v.optional(bool, "false"),
  MIGRATE_ON_START: v.optional(bool, "true"),
  SHUTDOWN_TIMEOUT_MS: v.optional(int(0, 600_000), "10000"),
  TRUST_PROXY: v.optional(bool, "false"),

  // Identity
  // PUBLIC_URL, SIWS_DOMAIN and CONSOLE_URL default to values derived from PORT (withDerivedDefaults).
  PUBLIC_URL: v.optional(httpUrl),
  SIWS_DOMAIN: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9.-]+(:\d+)?$/, "expected a host[:port]"))),
  JWT_PRIVATE_KEY: v.optional(v.pipe(v.string(), v.check(isEd25519PrivateJwk, "expected an Ed25519 private JWK as JSON, with kid"))),
  JWT_PUBLIC_KEYS: v.optional(v.pipe(v.string(), v.check(isJwkArray, "expected a JSON array of Ed25519 public JWKs, each with kid"))),
  JWT_ISSUER: v.optional(v.pipe(v.string(), v.nonEmpty()), "machpay-backend"),
  JWT_AUDIENCE: v.optional(v.pipe(v.string(), v.nonEmpty()), "machpay-api"),
  ACCESS_TOKEN_TTL_SECONDS: v.optional(int(60, 86_400), "3600"),
  REFRESH_TOKEN_TTL_SECONDS: v.optional(int(3600, 365 * 86_400), "2592000"),
  API_KEY_PEPPER: v.optional(v.pipe(v.string(), v.minLength(32, "expected at least 32 characters"))),
  SMTP_URL: v.optional(v.pipe(v.string(), v.regex(/^smtps?:\/\/.+/, "expected an smtp:// or smtps:// URL"))),
  MAIL_FROM: v.optional(v.pipe(v.string(), v.nonEmpty()), "MachPay <no-reply@machpay.local>"),
  GOOGLE_CLIENT_ID: v.optional(v.pipe(v.string(), v.nonEmpty())),
  GOOGLE_JWKS_URL: v.optional(httpUrl, "https://www.googleapis.com/oauth2/v3/certs"),
  RATE_LIMIT_AUTH_PER_MINUTE: v.optional(int(1, 100_000), "60"),

  // Ledger
  USDC_MINT: v.optional(v.pipe(v.string(), v.regex(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/, "expected a base58 mint address")), "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"),
  USDC_DECIMALS: v.optional(int(0, 18), "6"),
  PLATFORM_FEE_BPS: v.optional(int(0, 10_000), "0"),
  MIN_BOND_ATOMIC: v.optional(v.pipe(v.string(), v.regex(/^\d{1,19}$/, "expected atomic units (digits)"), v.transform((s: string) => BigInt(s))), "10000000"),
  PAYMENT_BATCH_MAX: v.optional(int(1, 5000), "256"),
  PAYMENT_BATCH_CONCURRENCY: v.optional(int(1, 64), "1"),
  PAYMENT_DEADLINE_MS: v.optional(int(100, 60_000), "5000"),
  // How long a payment whose COMMIT answer was lost (the database died mid-commit) waits to learn
  // whether it committed before 503 payment_outcome_unknown; on a cluster, cover its failover time.
  PAYMENT_OUTCOME_WAIT_MS: v.optional(int(100, 120_000), "3000"),
  // Intents per POST /v1/gateway/payments/batch (a body of 1,000 intents is ~300 KB, under BODY_LIMIT_BYTES).
  GATEWAY_BATCH_MAX: v.optional(int(1, 1000), "500"),
  INTENT_VERIFY_THREADS: v.optional(int(0, 16), "1"),
  ADMIN_TOKEN: v.optional(v.pipe(v.string(), v.minLength(24, "expected at least 24 characters"))),
  RECON_WEBHOOK_SECRET: v.optional(v.pipe(v.string(), v.minLength(16, "expected at least 16 characters"))),

  // Discovery (registry)
  OPENAI_API_KEY: v.optional(v.pipe(v.string(), v.nonEmpty())),
  OPENAI_BASE_URL: v.optional(httpUrl),
  EMBEDDING_MODEL: v.optional(v.pipe(v.string(), v.nonEmpty()), "text-embedding-ada-002"),
  EMBEDDING_WORKER_INTERVAL_MS: v.optional(int(10, 60_000), "200"),

  // Chain
  SOLANA_RPC: v.optional(httpUrl),
  // Defaults to the cluster SOLANA_RPC's host names (withDerivedDefaults).
  SOLANA_CLUSTER: v.optional(v.picklist(SOLANA_CLUSTERS, "expected mainnet, devnet, testnet or localnet")),
  SOLANA_COMMITMENT: v.optional(v.picklist(["confirmed", "finalized"], "expected confirmed or finalized"), "finalized"),
  VAULT_TOKEN_ACCOUNT: v.optional(v.pipe(v.string(), v.regex(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/, "expected a base58 address"))),
  VAULT_OWNER: v.optional(v.pipe(v.string(), v.regex(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/, "expected a base58 address"))),
  HOT_WALLET_SECRET_KEY: v.optional(v.pipe(v.string(), v.regex(/^\[\s*\d+(\s*,\s*\d+){63}\s*\]$/, "expected a Solana CLI key: a JSON array of 64 numbers"))),
  MACHPAY_PROGRAM_ID: v.optional(v.pipe(v.string(), v.regex(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/, "expected a base58 program id")), "MachPay1111111111111111111111111111111111111"),
  INDEXER_INTERVAL_MS: v.optional(int(100, 600_000), "2000"),
  SETTLEMENT_INTERVAL_MS: v.optional(int(100, 600_000), "2000"),
  ENABLE_WORKERS: v.optional(bool, "true"),

  // Real time
  BROKER: v.optional(v.picklist(["memory", "postgres"], "expected memory or postgres"), "memory"),
  SSE_MAX_CONNECTIONS_PER_USER: v.optional(int(1, 1000), "5"),
  SSE_HEARTBEAT_MS: v.optional(int(100, 120_000), "15000"),
  SSE_HISTORY_SIZE: v.optional(int(0, 100_000), "1000"),

  // Onboarding
  CONSOLE_URL: v.optional(httpUrl),
  RATE_LIMIT_LINK_PER_MINUTE: v.optional(int(1, 100_000), "10"),
  LINK_POLL_INTERVAL_SECONDS: v.optional(int(1, 60), "5"),

  // Notifications (webhooks and email)
  WEBHOOK_ALLOW_PRIVATE_TARGETS: v.optional(bool, "false"),
  WEBHOOK_TIMEOUT_MS: v.optional(int(100, 60_000), "10000"),
  NOTIFICATION_WORKER_INTERVAL_MS: v.optional(int(10, 600_000), "5000"),

  // x402 facilitator (/x402): requests per minute per vendor (or per IP on /x402/supported), per instance.
  X402_RATE_LIMIT_PER_MINUTE: v.optional(int(1, 100_000_000), "120000"),

  // Telemetry receiver (`bun run receiver`, src/telemetry/ingest/)
  RECEIVER_PORT: v.optional(int(0, 65535), "8082"),
  RECEIVER_BODY_LIMIT_BYTES: v.optional(int(1024, 64 * 1024 * 1024), "1048576"),
  RECEIVER_QUEUE_MAX_EVENTS: v.optional(int(1, 10_000_000), "100000"),
  RECEIVER_QUEUE_MAX_BYTES: v.optional(int(1024, 2 * 1024 * 1024 * 1024), "67108864"),
  RECEIVER_FLUSH_EVENTS: v.optional(int(1, 100_000), "1000"),
  RECEIVER_FLUSH_INTERVAL_MS: v.optional(int(1, 60_000), "250"),
  RECEIVER_FLUSH_CONCURRENCY: v.optional(int(1, 32), "2"),

  // Telemetry rollups and alerts (src/telemetry/rollups/)
  TELEMETRY_ROLLUP_INTERVAL_MS: v.optional(int(1000, 3_600_000), "60000"),
  TELEMETRY_ROLLUP_LOOKBACK_HOURS: v.optional(int(1, 48), "2"),
  TELEMETRY_ERROR_RATE_ALERT_PERCENT: v.optional(int(1, 100), "5"),
  TELEMETRY_ERROR_RATE_MIN_REQUESTS: v.optional(int(1, 1_000_000_000), "100"),
});

type ParsedConfig = v.InferOutput<typeof ConfigSchema>;
type DerivedKeys = "PUBLIC_URL" | "SIWS_DOMAIN" | "CONSOLE_URL" | "SOLANA_CLUSTER";
export type Config = Omit<ParsedConfig, DerivedKeys> & {
  PUBLIC_URL: string;
  SIWS_DOMAIN: string;
  CONSOLE_URL: string;
  SOLANA_CLUSTER: SolanaCluster;
};
export type ConfigInput = Partial<Record<keyof v.InferInput<typeof ConfigSchema>, string>>;

/** Every variable the service reads, with its default: the README's table is checked against it. */
export const CONFIG_KEYS = Object.keys(ConfigSchema.entries) as (keyof Config)[];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.join("\n")}`);
  }
}

/** Pure: takes an env-like record, returns a typed Config or throws ConfigError with one line per bad variable. */
export function parseConfig(env: Record<string, string | undefined>): Config {
  const picked: Record<string, string> = {};
  for (const key of CONFIG_KEYS) {
    const value = env[key];
    // An empty variable means "use the default", as in most twelve-factor services.
    if (value !== undefined && value !== "") picked[key] = value;
  }
  const result = v.safeParse(ConfigSchema, picked);
  if (result.success) {
    const config = withDerivedDefaults(result.output);
    const problems = productionProblems(config);
    if (problems.length > 0) throw new ConfigError(problems);
    return config;
  }
  const problems = result.issues.map((issue) => {
    const key = issue.path?.map((p) => String(p.key)).join(".") ?? "?";
    const got = picked[key];
    return `${key}: ${issue.message}${got !== undefined ? ` (got "${got}")` : ""}`;
  });
  throw new ConfigError(problems);
}

// Defaults that depend on other settings: `PORT=8090` alone must give links, the SIWS domain and
// URI on 8090, and the SIWS chain id must name the chain SOLANA_RPC points at.
function withDerivedDefaults(c: ParsedConfig): Config {
  const publicUrl = c.PUBLIC_URL ?? `http://localhost:${c.PORT}`;
  return {
    ...c,
    PUBLIC_URL: publicUrl,
    // URL.host is host[:port] without a default port, as a browser's location.host (what wallets compare).
    SIWS_DOMAIN: c.SIWS_DOMAIN ?? new URL(publicUrl).host,
    CONSOLE_URL: c.CONSOLE_URL ?? `${publicUrl.replace(/\/+$/, "")}/console`,
    SOLANA_CLUSTER: c.SOLANA_CLUSTER ?? clusterOf(c.SOLANA_RPC),
  };
}

/** Loopback is the local chain; a host naming devnet or testnet is that cluster; anything else (or none) mainnet. */
function clusterOf(rpcUrl: string | undefined): SolanaCluster {
  if (rpcUrl === undefined) return "mainnet";
  const host = new URL(rpcUrl).hostname.toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost") || /^127\./.test(host) || host === "[::1]") return "localnet";
  if (host.includes("devnet")) return "devnet";
  if (host.includes("testnet")) return "testnet";
  return "mainnet";
}

// Development generates throwaway secrets (with a warning); production must be given them.
function productionProblems(c: Config): string[] {
  if (c.NODE_ENV !== "production") return [];
  const required = ["JWT_PRIVATE_KEY", "API_KEY_PEPPER"] as const;
  return required.filter((k) => c[k] === undefined).map((k) => `${k}: required when NODE_ENV=production`);
}

/** Reads process.env: only main.ts and scripts call this. */
export function loadConfig(): Config {
  return parseConfig(process.env);
}
