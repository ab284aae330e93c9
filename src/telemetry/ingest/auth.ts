import type { MiddlewareHandler } from "hono";
import { resolveApiKey, type ApiKeyDeps } from "@/auth";
import type { UserActor } from "@/core/actor";
import { unixSeconds, type Clock } from "@/core/clock";
import { AppError } from "@/core/errors";
import { sha256Hex } from "@/core/hash";
import { isAddressText, isBase58Signature } from "@/core/solana";
import { isDatabaseUnavailable } from "@/db/client";
import type { HonoEnv } from "@/http/env";
import { findLinkedDevice } from "@/pairing";
import { verifyIngestSignature } from "./ed25519";
import type { IngestMetrics } from "./metrics";

// Who may send telemetry. A gateway: its vendor's gateway key (Authorization: Bearer mp_gk_live_...)
// or its linked vendor device key; an agent SDK: its agent key (mp_sk_live_...) or linked agent
// device key. No sessions: these are machines.
//
// A device signs the request, body included (the API's `Device` scheme is read-only because it
// signs no body, so a captured request could be replayed with another one):
//   Authorization: Ingest <pubkey>:<unix seconds>:<base58 Ed25519 signature>
//   signed text:   machpay-ingest:<METHOD>:<path?query>:<unix seconds>:<sha256 hex of the body>
// within INGEST_WINDOW_SECONDS of the receiver's clock. A captured request cannot be altered; sent
// again within the window it is harmless, because events are deduplicated on (sender, source, id,
// time) when written (sql/0016), and a replayed packet's config is not applied again.
//
// Keys and device bindings come from caches (auth's key cache, pairing's binding cache), so a
// steady sender costs no database read per request.

export const INGEST_WINDOW_SECONDS = 300;
export const INGEST_SCHEME = "Ingest";

export const ingestMessage = (method: string, pathWithQuery: string, timestamp: number, bodySha256Hex: string) =>
  `machpay-ingest:${method.toUpperCase()}:${pathWithQuery}:${timestamp}:${bodySha256Hex}`;

export type SenderKind = "vendor" | "agent";

export interface IngestAuthDeps extends ApiKeyDeps {
  clock: Clock;
}

const CHALLENGE = { "WWW-Authenticate": `Bearer realm="machpay-receiver", ${INGEST_SCHEME} realm="machpay-receiver"` };
const HOW: Record<SenderKind, string> = {
  vendor: "a gateway key (Authorization: Bearer mp_gk_live_...) or a linked vendor device's signature (Authorization: Ingest <pubkey>:<ts>:<sig>)",
  agent: "an agent key (Authorization: Bearer mp_sk_live_...) or a linked agent device's signature (Authorization: Ingest <pubkey>:<ts>:<sig>)",
};

function wrongSender(expected: SenderKind): AppError {
  return expected === "vendor"
    ? new AppError("gateway_key_required", `this route is for vendor gateways: ${HOW.vendor}`)
    : new AppError("agent_key_required", `this route is for agent SDKs: ${HOW.agent}`);
}

function pathWithQuery(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  return start === -1 ? "/" : url.slice(start);
}

/**
 * Keys the database confirmed lately, for while it is away: auth's cache holds a key for 2 s, and
 * without this every key-authenticated sender would get 503s during an outage instead of having
 * its events buffered like a device's (bindings are cached for good). A key the database refuses
 * is forgotten at once. Keyed by the key's sha256, bounded; one lookup per key at a time, so an
 * outage queues at most one query per key in the pool, whatever the request rate.
 */
const LAST_GOOD_MS = 10 * 60_000;
const LAST_GOOD_MAX = 10_000;

/** A lookup the database does not answer within this is treated as the database being away. */
const LOOKUP_TIMEOUT_MS = 1000;

interface KeyState {
  known: Map<string, { actor: UserActor; at: number }>;
  inflight: Map<string, { lookup: Promise<UserActor | AppError>; started: number }>;
}
const keyStates = new WeakMap<object, KeyState>();

class LookupTimeout extends Error {}

/**
 * postgres.js keeps a query waiting while it reconnects to a server that accepts and drops
 * connections (a proxy, a failover in progress): a request must not wait on it for good.
 */
async function bounded<T>(lookup: Promise<T>, ms = LOOKUP_TIMEOUT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new LookupTimeout("database lookup timed out")), ms)));
  try {
    return await Promise.race([lookup, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const unavailable = (err: unknown) => err instanceof LookupTimeout || isDatabaseUnavailable(err);

function databaseAway(): AppError {
  return new AppError("database_unavailable", "the database is unavailable; retry shortly", { headers: { "Retry-After": "1" } });
}

async function lookUpKey(deps: IngestAuthDeps, credential: string): Promise<UserActor | AppError> {
  let state = keyStates.get(deps.sql);
  if (!state) keyStates.set(deps.sql, (state = { known: new Map(), inflight: new Map() }));
  const { known, inflight } = state;
  const id = sha256Hex(credential);
  let pending = inflight.get(id);
  if (!pending) {
    const lookup = resolveApiKey(deps, credential)
      .then((actor) => {
        if (actor instanceof AppError) known.delete(id);
        else {
          if (known.size >= LAST_GOOD_MAX) known.clear();
          known.set(id, { actor, at: performance.now() });
        }
        return actor;
      })
      .finally(() => inflight.delete(id));
    pending = { lookup, started: performance.now() };
    inflight.set(id, pending);
  }
  try {
    // A lookup already stuck past the timeout is not waited on again.
    return await bounded(pending.lookup, Math.max(0, LOOKUP_TIMEOUT_MS - (performance.now() - pending.started)));
  } catch (err) {
    if (!unavailable(err)) throw err;
    const seen = known.get(id);
    if (seen && performance.now() - seen.at < LAST_GOOD_MS) return seen.actor;
    throw databaseAway();
  }
}

async function keySender(deps: IngestAuthDeps, expected: SenderKind, credential: string): Promise<UserActor> {
  if (!credential.startsWith("mp_")) throw new AppError("unauthorized", `the receiver takes no sessions: send ${HOW[expected]}`, { headers: CHALLENGE });
  const actor = await lookUpKey(deps, credential);
  if (actor instanceof AppError) throw actor;
  const kind = actor.apiKey?.kind;
  const fits = expected === "vendor" ? kind === "gateway" && actor.role === "operator" : kind === "agent" && actor.role === "architect";
  if (!fits) throw wrongSender(expected);
  if (!actor.permissions.includes("write")) throw new AppError("insufficient_permissions", 'this API key lacks the "write" permission');
  return actor;
}

async function deviceSender(deps: IngestAuthDeps, expected: SenderKind, credential: string, request: { method: string; url: string; body: Uint8Array }): Promise<UserActor> {
  const [pubkey, ts, signature, ...rest] = credential.split(":");
  if (rest.length > 0 || !pubkey || !ts || !signature || !isAddressText(pubkey) || !/^\d{1,12}$/.test(ts) || !isBase58Signature(signature)) {
    throw new AppError("invalid_device_signature", "expected Authorization: Ingest <pubkey>:<unix seconds>:<base58 signature>");
  }
  const now = unixSeconds(deps.clock.now());
  if (Math.abs(now - Number(ts)) > INGEST_WINDOW_SECONDS) {
    throw new AppError("proof_expired", `timestamp must be within ${INGEST_WINDOW_SECONDS} s of the receiver's clock`, { details: { server_time: now } });
  }
  const message = ingestMessage(request.method, pathWithQuery(request.url), Number(ts), sha256Hex(request.body));
  if (!verifyIngestSignature(pubkey, signature, new TextEncoder().encode(message))) {
    throw new AppError("invalid_device_signature", "signature does not verify for this key, method, path, timestamp and body");
  }
  const device = await bounded(findLinkedDevice({ sql: deps.sql }, pubkey)).catch((err: unknown) => {
    throw unavailable(err) ? databaseAway() : err;
  });
  if (!device) throw new AppError("device_not_linked", "this key is not linked to a profile: run the link command");
  if (device.kind !== expected) throw wrongSender(expected);
  return { kind: "user", userId: device.user_id, role: expected === "vendor" ? "operator" : "architect", permissions: ["read", "write"], via: "device", device: { pubkey, kind: device.kind } };
}

/**
 * The route guard: sets `actor` to the sender (its user) or answers 401/403. Reads the body for
 * a signed request; the handler reads the same bytes from Hono's cache.
 */
export function ingestAuth(deps: IngestAuthDeps, expected: SenderKind, metrics: IngestMetrics): MiddlewareHandler<HonoEnv> {
  return async (c, next) => {
    const header = c.req.header("authorization");
    const match = header ? /^(\w[\w-]*)\s+(\S+)\s*$/.exec(header) : null;
    let actor: UserActor;
    try {
      if (!header) throw new AppError("unauthorized", `send ${HOW[expected]}`, { headers: CHALLENGE });
      const scheme = match?.[1]!.toLowerCase();
      if (scheme === "bearer") actor = await keySender(deps, expected, match![2]!);
      else if (scheme === INGEST_SCHEME.toLowerCase()) {
        const body = new Uint8Array(await c.req.arrayBuffer());
        actor = await deviceSender(deps, expected, match![2]!, { method: c.req.method, url: c.req.url, body });
      } else throw new AppError("invalid_authorization", `expected ${HOW[expected]}`, { headers: CHALLENGE });
    } catch (err) {
      if (err instanceof AppError) metrics.requestsRejected.inc({ reason: err.status === 403 ? "forbidden" : "unauthorized" });
      throw err;
    }
    c.set("actor", actor);
    c.set("logFields", { ...c.get("logFields"), user_id: actor.userId.toString(), auth: actor.via });
    await next();
  };
}
