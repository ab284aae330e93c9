// postgres:// URLs as libpq reads them, a host list included:
//   postgres://user:pass@10.0.0.1:5432,10.0.0.2:5432/machpay?target_session_attrs=read-write
// WHATWG's URL (new URL) refuses such an authority, so the host list is split off by hand and the
// rest (user, password, database, parameters) is left to URL.

export interface DbHost {
  host: string;
  port: number;
}

export interface DatabaseUrl {
  scheme: string;
  /** The userinfo as written (percent-encoded), without the "@"; "" when absent. */
  auth: string;
  hosts: DbHost[];
  database: string;
  params: URLSearchParams;
}

const DEFAULT_PORT = 5432;

function parseHost(part: string, url: string): DbHost {
  // [::1]:5432 or host:port or host
  const m = /^(\[[^\]]+\]|[^:]*)(?::(\d*))?$/.exec(part);
  if (!m) throw new Error(`invalid host "${part}" in ${redactDatabaseUrl(url)}`);
  const host = decodeURIComponent(m[1]!.replace(/^\[|\]$/g, "")) || "localhost";
  return { host, port: m[2] ? Number(m[2]) : DEFAULT_PORT };
}

/** Splits a postgres:// URL; throws on anything else. One host when the URL names none. */
export function parseDatabaseUrl(url: string): DatabaseUrl {
  const m = /^(postgres(?:ql)?):\/\/([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/.exec(url.trim());
  if (!m) throw new Error(`not a postgres:// URL: ${redactDatabaseUrl(url)}`);
  const authority = m[2]!;
  const at = authority.lastIndexOf("@");
  const auth = at >= 0 ? authority.slice(0, at) : "";
  const hostList = at >= 0 ? authority.slice(at + 1) : authority;
  const hosts = hostList === "" ? [{ host: "localhost", port: DEFAULT_PORT }] : hostList.split(",").map((h) => parseHost(h, url));
  return {
    scheme: m[1]!,
    auth,
    hosts,
    database: decodeURIComponent((m[3] ?? "").replace(/^\//, "")),
    params: new URLSearchParams(m[4] ?? ""),
  };
}

const hostText = (h: DbHost) => `${h.host.includes(":") ? `[${h.host}]` : h.host}:${h.port}`;

export function formatDatabaseUrl(u: DatabaseUrl): string {
  const query = u.params.toString();
  return `${u.scheme}://${u.auth ? `${u.auth}@` : ""}${u.hosts.map(hostText).join(",")}/${encodeURIComponent(u.database)}${query ? `?${query}` : ""}`;
}

/** For logs and messages: the password masked. */
export function redactDatabaseUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@?#]*):[^@/?#]*@/, "$1:***@");
}

/** user, password (decoded; undefined when absent). */
export function credentialsOf(u: DatabaseUrl): { user: string | undefined; password: string | undefined } {
  if (!u.auth) return { user: undefined, password: undefined };
  const colon = u.auth.indexOf(":");
  const user = decodeURIComponent(colon >= 0 ? u.auth.slice(0, colon) : u.auth);
  return { user: user || undefined, password: colon >= 0 ? decodeURIComponent(u.auth.slice(colon + 1)) : undefined };
}
