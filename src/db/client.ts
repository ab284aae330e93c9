import postgres from "postgres";
import type { Logger } from "@/core/logger";
import { closeIsError, connectTo, createHostChooser, isTargetSessionAttrs, postgresJsCheck } from "./hosts";
import { formatDatabaseUrl, parseDatabaseUrl } from "./url";

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
  const target = parseDatabaseUrl(url);
  const attrs = target.params.get("target_session_attrs") ?? "any";
  if (!isTargetSessionAttrs(attrs)) throw new Error(`target_session_attrs=${attrs} is not supported (any, read-write, primary, read-only, standby, prefer-standby)`);
  const connectTimeout = options.connectTimeoutSeconds ?? 10;
  // A host list or a role to find: our chooser (hosts.ts) picks the server; postgres.js sees one.
  const chooser =
    target.hosts.length > 1 || attrs !== "any"
      ? createHostChooser(target, attrs, { waitMs: connectTimeout * 1000, applicationName: options.applicationName ?? "machpay-backend", logger: options.logger })
      : undefined;
  // postgres.js never sees target_session_attrs in the URL (it refuses "any", misreads read-write).
  const explicit = target.params.has("target_session_attrs");
  target.params.delete("target_session_attrs");
  const check = postgresJsCheck(attrs);
  const sql = postgres(chooser || explicit ? formatDatabaseUrl({ ...target, hosts: [target.hosts[0]!] }) : url, {
    max: options.max,
    // Recycle connections after 30-60 min so a failover or config change is picked up; the
    // jitter keeps all of them from reconnecting in the same second.
    max_lifetime: 60 * 30 * (1 + Math.random()),
    idle_timeout: 60,
    connect_timeout: connectTimeout,
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
    // One host: a server that takes the TCP connection and closes it during the startup (HAProxy
    // with no primary behind it, a server shutting down) fails the waiting query at once, like a
    // refused connection. postgres.js alone retried it at once, for ever: 1,596 connections in 4 s
    // for one waiting query, a core busy, the request hanging until a primary came back.
    // A host list: the chooser's sockets (hosts.ts); behind its choice, postgres.js still refuses a
    // server of the wrong kind (a primary demoted between our probe and this connection): the query
    // then fails as unavailable, never writes there.
    ...(chooser
      ? { socket: chooser.socket, ...(check ? { target_session_attrs: check } : {}) }
      : { socket: () => closeIsError(connectTo(target.hosts[0]!)) }),
  }) as unknown as Sql;
  if (chooser) {
    const end = sql.end.bind(sql);
    // SAFETY: postgres.js builds sql with Object.assign; its end stays callable as before, then the probes close.
    (sql as { end: Sql["end"] }).end = async (o) => {
      await end(o);
      await chooser.end();
    };
  }
  return sql;
}

/** Database name and a URL to the same server's (or host list's) maintenance database. */
export function splitDatabaseUrl(url: string): { database: string; adminUrl: string } {
  const u = parseDatabaseUrl(url);
  return { database: u.database || "postgres", adminUrl: formatDatabaseUrl({ ...u, database: "postgres" }) };
}

/** The same URL (every host, every parameter) with another database. */
export function withDatabase(url: string, database: string): string {
  return formatDatabaseUrl({ ...parseDatabaseUrl(url), database });
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

/**
 * A write reached a server that takes no writes (25006 read_only_sql_transaction): a standby
 * behind a proxy that has not switched yet, a primary being demoted. The connection itself is
 * alive (unlike isDatabaseUnavailable: it is rolled back and reused as usual), but for the client
 * it is the same answer: 503, retry shortly, nothing was written.
 */
export function isReadOnlyServer(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === "25006";
}

/** The request may be retried shortly: the database went away, or the server reached takes no writes now. */
export const isDatabaseNotServing = (err: unknown): boolean => isDatabaseUnavailable(err) || isReadOnlyServer(err);
