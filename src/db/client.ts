import postgres from "postgres";
import type { Logger } from "@/core/logger";

/**
 * The database handle every module receives. int8 and NUMERIC both arrive as bigint:
 * money is NUMERIC(20,0) and must never pass through a float.
 */
export type Sql = postgres.Sql<{ bigint: bigint; numeric: bigint }>;
/** A transaction or the pool: queries take either as their first argument. */
export type Tx = postgres.TransactionSql<{ bigint: bigint; numeric: bigint }> | Sql;

const NUMERIC_OID = 1700;

function parseNumeric(text: string): bigint {
  // SAFETY: BigInt() throws on "1.5", so a fractional NUMERIC reaching the app is a loud bug,
  // never a silent rounding. Aggregates that yield fractions must cast in SQL.
  return BigInt(text);
}

export interface DbOptions {
  max: number;
  /** How long a new connection may take to be ready (default 10 s). */
  connectTimeoutSeconds?: number;
  applicationName?: string;
  logger?: Logger;
}

export function createSql(url: string, options: DbOptions): Sql {
  return postgres(url, {
    max: options.max,
    // Recycle connections after 30-60 min so a failover or config change is picked up; the
    // jitter keeps all of them from reconnecting in the same second.
    max_lifetime: 60 * 30 * (1 + Math.random()),
    idle_timeout: 60,
    connect_timeout: options.connectTimeoutSeconds ?? 10,
    // Seconds before a connection that failed tries again. postgres.js's default grows with every
    // failure of the pool (3^n / 100, up to 20 s), so after an outage of a few seconds under load
    // the pool kept waiting up to 20 s once PostgreSQL was back. Capped at 1 s (jittered): at most
    // DB_POOL_MAX attempts a second while the database is away, back within a second after.
    backoff: (retries: number) => Math.min(0.05 * 2 ** Math.min(retries, 5), 1) * (0.5 + Math.random() / 2),
    connection: { application_name: options.applicationName ?? "machpay-backend" },
    onnotice: (notice) => options.logger?.debug("postgres notice", { notice: notice.message }),
    types: {
      bigint: postgres.BigInt,
      numeric: {
        to: NUMERIC_OID,
        from: [NUMERIC_OID],
        serialize: (value: bigint | number | string) => value.toString(),
        parse: parseNumeric,
      },
    },
  }) as unknown as Sql;
}

/** Database name and a URL to the same server's maintenance database. */
export function splitDatabaseUrl(url: string): { database: string; adminUrl: string } {
  const u = new URL(url);
  const database = decodeURIComponent(u.pathname.replace(/^\//, "")) || "postgres";
  u.pathname = "/postgres";
  return { database, adminUrl: u.toString() };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

// SQLSTATE classes and client codes that mean "the database went away", not "the statement was wrong".
const UNAVAILABLE_SQLSTATES = /^(08...|57P0[123]|53300)$/;
const UNAVAILABLE_CLIENT_CODES = /^(CONNECTION_(CLOSED|DESTROYED|ENDED)|CONNECT_TIMEOUT|E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT|HOSTUNREACH|NETUNREACH|AI_AGAIN)|ENOTFOUND)$/;

/**
 * The connection to PostgreSQL was lost or refused (restart, failover, a cut proxy, no free slot):
 * the request may be retried later. After such an error the connection is gone, never to be reused.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && (UNAVAILABLE_SQLSTATES.test(code) || UNAVAILABLE_CLIENT_CODES.test(code));
}
