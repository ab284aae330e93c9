import net from "node:net";
import { Duplex } from "node:stream";
import postgres from "postgres";
import type { Logger } from "@/core/logger";
import { within } from "@/core/within";
import { formatDatabaseUrl, type DatabaseUrl, type DbHost } from "./url";

// Which server of a host list (DATABASE_URL=postgres://a:5432,b:5432/db?target_session_attrs=...)
// a new connection goes to. postgres.js 3.4.9 accepts host lists but falls short for a failover:
// - target_session_attrs=read-write accepts a hot standby: it checks default_transaction_read_only
//   only, which is off on a standby (read-only is broken the other way); writes then fail there;
// - while no server qualifies (the primary dead, the standby not promoted yet) every waiting
//   connection retries at once, with no delay: ~260 connection starts a second each on the standby
//   (measured with 3 waiting connections), the standby forking backends while it should promote;
// - a query waits for a server for ever: connect_timeout restarts with every attempt;
// - and a server that accepts the TCP connection and closes it during the startup (HAProxy with
//   no primary behind it) is retried at once, for ever, one host as well (closeIsError, client.ts).
// So the pool is given one host and this `socket` factory: it finds the server that qualifies by
// asking each host (one small probe client per host, all connections of the pool sharing one
// round of probes at most every ROUND_MS), hands out TCP sockets to it, and forgets it as soon as
// one of them is closed by the server side (a crash, a failover, a restart). A connection that
// finds no server within `waitMs` fails like an unreachable database (CONNECT_TIMEOUT: 503).

export const TARGET_SESSION_ATTRS = ["any", "read-write", "primary", "read-only", "standby", "prefer-standby"] as const;
export type TargetSessionAttrs = (typeof TARGET_SESSION_ATTRS)[number];

export const isTargetSessionAttrs = (s: string): s is TargetSessionAttrs => (TARGET_SESSION_ATTRS as readonly string[]).includes(s);

/** A host's answer to the probe; undefined when it did not answer. */
interface Role {
  recovery: boolean;
  readOnly: boolean;
}

/** Between two rounds of probes: how soon a promotion is noticed, and the probes' load while none qualifies. */
const ROUND_MS = 200;
const PROBE_TIMEOUT_MS = 2000;
// The server's ParameterStatus in a connection's startup (PostgreSQL 14+ reports it).
const HOT_STANDBY_ON = Buffer.from("in_hot_standby\0on\0");
const HOT_STANDBY_SEEN = Buffer.from("in_hot_standby\0");
// The frontend's Terminate message ('X'): postgres.js ending a session it no longer needs.
const TERMINATE = 0x58;

/** The host of `roles` (in URL order) a new connection should use. */
export function chooseHost(attrs: TargetSessionAttrs, roles: (Role | undefined)[]): number | undefined {
  const first = (ok: (r: Role) => boolean) => {
    const i = roles.findIndex((r) => r !== undefined && ok(r));
    return i < 0 ? undefined : i;
  };
  switch (attrs) {
    case "read-write":
      return first((r) => !r.recovery && !r.readOnly);
    case "primary":
      return first((r) => !r.recovery);
    case "read-only":
      return first((r) => r.recovery || r.readOnly);
    case "standby":
      return first((r) => r.recovery);
    case "prefer-standby":
      return first((r) => r.recovery) ?? first(() => true);
    case "any":
      return first(() => true);
  }
}

/** What postgres.js itself checks on each new connection, behind our choice: the kinds it gets right. */
export function postgresJsCheck(attrs: TargetSessionAttrs): "primary" | "standby" | undefined {
  return attrs === "read-write" || attrs === "primary" ? "primary" : attrs === "standby" ? "standby" : undefined;
}

export interface HostChooser {
  /** postgres.js's `socket` option: a TCP socket connected to the chosen server. */
  socket(): Promise<net.Socket | Duplex>;
  end(): Promise<void>;
}

export function createHostChooser(
  url: DatabaseUrl,
  attrs: TargetSessionAttrs,
  options: { waitMs: number; applicationName: string; logger?: Logger | undefined },
): HostChooser {
  const { hosts } = url;
  const probeParams = new URLSearchParams(url.params);
  probeParams.delete("target_session_attrs");
  const probes = hosts.map((h) =>
    postgres(formatDatabaseUrl({ ...url, hosts: [h], params: probeParams }), {
      // A server that takes the TCP connection and closes it (a proxy with no backend, a server
      // shutting down) fails the probe: postgres.js alone reconnects at once, for ever, to finish it.
      ...{ socket: () => closeIsError(connectTo(h)) },
      max: 1,
      connect_timeout: PROBE_TIMEOUT_MS / 1000,
      idle_timeout: 5,
      max_lifetime: null,
      fetch_types: false,
      // Paced here (ROUND_MS), not by postgres.js's growing backoff.
      backoff: () => 0,
      onnotice: () => undefined,
      connection: { application_name: `${options.applicationName}:probe` },
    }),
  );
  let chosen: number | undefined;
  let round: Promise<number | undefined> | undefined;
  let lastRound = -Infinity;
  let ended = false;

  const show = (i: number) => `${hosts[i]!.host}:${hosts[i]!.port}`;

  async function probe(i: number): Promise<Role | undefined> {
    try {
      const rows = await within(probes[i]!<{ recovery: boolean; ro: string }[]>`SELECT pg_is_in_recovery() AS recovery, current_setting('default_transaction_read_only') AS ro`, PROBE_TIMEOUT_MS);
      const row = rows[0];
      return row ? { recovery: row.recovery, readOnly: row.ro === "on" } : undefined;
    } catch {
      return undefined; // refused, failed or late: no answer
    }
  }

  function probeRound(): Promise<number | undefined> {
    round ??= (async () => {
      const wait = lastRound + ROUND_MS - performance.now();
      if (wait > 0) await Bun.sleep(wait);
      lastRound = performance.now();
      const found = chooseHost(attrs, await Promise.all(hosts.map((_, i) => probe(i))));
      if (found !== undefined && found !== chosen) options.logger?.info("database server chosen", { server: show(found), target_session_attrs: attrs });
      chosen = found;
      return found;
    })().finally(() => (round = undefined));
    return round;
  }

  function forget(i: number, why: string) {
    if (chosen !== i) return;
    chosen = undefined;
    options.logger?.warn("database server lost; looking for one again", { server: show(i), reason: why, target_session_attrs: attrs });
  }

  /** A connection to host i, or undefined (refused, unreachable, or not in `ms`). */
  function connected(i: number, ms: number): Promise<net.Socket | undefined> {
    return new Promise((resolve) => {
      const s = connectTo(hosts[i]!);
      const timer = setTimeout(() => done(false), Math.max(1, ms));
      function done(ok: boolean) {
        clearTimeout(timer);
        s.off("connect", onConnect);
        s.off("error", onError);
        if (ok) return resolve(s);
        s.destroy();
        resolve(undefined);
      }
      const onConnect = () => done(true);
      const onError = () => done(false);
      s.once("connect", onConnect);
      s.once("error", onError);
    });
  }

  /**
   * Forget the server once a socket to it closes other than by postgres.js ending its session (a
   * Terminate message: a crash, a failover, a restart or a proxy cutting it), or lands on a standby.
   */
  function watch(s: net.Socket, i: number) {
    let terminated = false;
    const end = s.end.bind(s);
    // SAFETY: the same method, observed; the runtime also calls end() itself once the peer has
    // closed its side, without a Terminate message, which must not count as ours.
    s.end = ((...args: Parameters<typeof end>) => {
      const first = args[0];
      if (Buffer.isBuffer(first) && first[0] === TERMINATE) terminated = true;
      return end(...args);
    }) as typeof s.end;
    s.once("close", () => terminated || forget(i, "connection closed by the server or the network"));
    if (attrs !== "read-write" && attrs !== "primary") return;
    let chunks = 0;
    const sniff = (d: Buffer) => {
      if (d.includes(HOT_STANDBY_ON)) forget(i, "in recovery");
      if (d.includes(HOT_STANDBY_SEEN) || ++chunks > 8) s.off("data", sniff);
    };
    s.on("data", sniff);
  }

  return {
    async socket() {
      const deadline = performance.now() + options.waitMs;
      while (!ended) {
        const i = chosen ?? (await probeRound());
        const left = deadline - performance.now();
        if (i !== undefined) {
          const s = await connected(i, Math.min(left, PROBE_TIMEOUT_MS));
          if (s) {
            watch(s, i);
            return s;
          }
          forget(i, "refused or unreachable");
        }
        if (deadline - performance.now() <= 0) break;
      }
      return failedSocket(`no ${attrs === "any" ? "reachable" : attrs} server among ${hosts.map((_, i) => show(i)).join(",")} within ${options.waitMs} ms`);
    },
    async end() {
      ended = true;
      await Promise.all(probes.map((p) => p.end({ timeout: 1 }).catch(() => undefined)));
    },
  };
}

/** A socket to a host: TCP, or the Unix socket of a directory host (/var/run/postgresql). */
export function connectTo(h: DbHost): net.Socket {
  return h.host.startsWith("/") ? net.connect({ path: `${h.host}/.s.PGSQL.${h.port}` }) : net.connect({ host: h.host, port: h.port });
}

/** The peer closing the connection is an error (ECONNRESET), not a clean close postgres.js retries at once. */
export function closeIsError(s: net.Socket): net.Socket {
  s.once("end", () => s.destroy(Object.assign(new Error("the server closed the connection"), { code: "ECONNRESET" })));
  return s;
}

/**
 * A socket that fails at once, the way an unreachable database does: postgres.js rejects the
 * waiting query with its error and puts the connection back among the closed ones. (Throwing from
 * the factory instead would leave that connection "connecting" for ever, a pool slot lost.)
 */
function failedSocket(message: string): Duplex {
  const s = new Duplex({
    read() {},
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
  // After postgres.js has attached its listeners (it does so once the factory's promise resolves).
  setTimeout(() => s.destroy(Object.assign(new Error(message), { code: "CONNECT_TIMEOUT" })), 0);
  return s;
}
