import { unixSeconds } from "@/core/clock";
import type { Ctx } from "@/db/context";
import { AppError } from "@/core/errors";
import { verifyEd25519 } from "@/core/solana";
import { withTransaction } from "@/db/transaction";
import { findProfileOfUser } from "@/profiles";
import { recordNotification } from "@/notifications";
import { sha256Hex } from "@/core/hash";
import {
  displayUserCode,
  linkInitMessage,
  LINK_TTL_SECONDS,
  newDeviceCode,
  newUserCode,
  normaliseUserCode,
  PROOF_WINDOW_SECONDS,
} from "./codes";
import {
  findByDeviceCodeHash,
  findDeviceKey,
  findLatestByCode,
  insertDeviceKey,
  insertLinkRequest,
  lockPendingByCode,
  markApproved,
  recordPoll,
  type DeviceKeyRow,
  type DeviceKind,
  type LinkRequestRow,
} from "./queries";
import { permanentFacts } from "@/core/memo";

export interface PairingCtx extends Ctx {
  consoleUrl: string;
  pollIntervalSeconds: number;
}

export interface LinkInit {
  code: string;
  device_code: string;
  link_url: string;
  expires_at: string;
  expires_in: number;
  interval: number;
}

/** A device asks to be linked: it proves it holds the key, and gets a code for a person to approve. */
export async function initLink(
  ctx: PairingCtx,
  input: { pubkey: string; kind: DeviceKind; timestamp: number; signature: string },
): Promise<LinkInit> {
  const now = ctx.clock.now();
  if (Math.abs(unixSeconds(now) - input.timestamp) > PROOF_WINDOW_SECONDS) {
    throw new AppError("proof_expired", `timestamp must be within ${PROOF_WINDOW_SECONDS} s of the server's clock (unix seconds)`, {
      details: { server_time: unixSeconds(now) },
    });
  }
  const signed = new TextEncoder().encode(linkInitMessage(input.kind, input.pubkey, input.timestamp));
  if (!(await verifyEd25519(input.pubkey, input.signature, signed))) {
    throw new AppError("invalid_signature", "signature does not verify: sign machpay-link-init:<kind>:<pubkey>:<timestamp> with the key");
  }
  const linked = await findDeviceKey(ctx.sql, input.pubkey);
  if (linked) throw new AppError("key_already_linked", "this key is already linked to a profile", { details: { kind: linked.kind } });

  const deviceCode = newDeviceCode();
  const expiresAt = new Date(now.getTime() + LINK_TTL_SECONDS * 1000);
  for (let attempt = 0; attempt < 5; attempt++) {
    const row = await insertLinkRequest(ctx.sql, {
      userCode: newUserCode(),
      deviceCodeHash: sha256Hex(deviceCode),
      pubkey: input.pubkey,
      kind: input.kind,
      proofTimestamp: input.timestamp,
      now,
      expiresAt,
    });
    if (row === "proof_used") throw new AppError("proof_already_used", "this signed proof was used already; sign a fresh timestamp");
    if (row === "code_taken") continue;
    const code = displayUserCode(row.user_code);
    return {
      code,
      device_code: deviceCode,
      link_url: `${ctx.consoleUrl}/link?code=${code}`,
      expires_at: expiresAt.toISOString(),
      expires_in: LINK_TTL_SECONDS,
      interval: ctx.pollIntervalSeconds,
    };
  }
  throw new Error("could not find a free user code in 5 tries");
}

function parseCode(input: string): string {
  const code = normaliseUserCode(input);
  if (!code) {
    throw new AppError("invalid_request", "code must be 8 letters, as shown by the device (XXXX-XXXX)", {
      details: { issues: [{ field: "code", location: "json", message: "not a pairing code" }] },
    });
  }
  return code;
}

const expired = () => new AppError("link_code_expired", "this pairing code has expired; run the link command again for a new one");
const unknownCode = () => new AppError("link_code_not_found", "no pending pairing request has this code");

export interface ApprovedLink {
  status: "approved";
  kind: DeviceKind;
  pubkey: string;
  profile: { type: DeviceKind; name: string };
}

/** A signed-in person approves a code: the device's key is bound to their profile of the same kind. */
export async function approveLink(ctx: PairingCtx, input: { code: string }): Promise<ApprovedLink> {
  if (ctx.actor.kind !== "user") throw new AppError("unauthorized", "sign in to approve a device");
  if (ctx.actor.via !== "jwt") {
    throw new AppError("session_required", "approving a device needs a signed-in session, not an API key");
  }
  const userId = ctx.actor.userId;
  const code = parseCode(input.code);
  return withTransaction(ctx.sql, async (tx) => {
    const request = await lockPendingByCode(tx, code);
    if (!request) throw unknownCode();
    const now = ctx.clock.now();
    if (request.expires_at <= now) throw expired();
    const profile = await findProfileOfUser({ sql: tx }, userId);
    if (!profile || profile.type !== request.kind) {
      throw new AppError("profile_required", `linking ${request.kind === "agent" ? "an agent" : "a gateway"} needs a ${request.kind} profile: create it first (POST /v1/profile)`, {
        details: { required_profile: request.kind, your_profile: profile?.type ?? null },
      });
    }
    const bound = await insertDeviceKey(tx, { pubkey: request.pubkey, kind: request.kind, userId, linkRequestId: request.id, now });
    if (!bound) throw new AppError("key_already_linked", "this key was linked to a profile meanwhile");
    await markApproved(tx, request.id, userId, now);
    await recordNotification(tx, userId, "link.approved", { kind: request.kind, pubkey: request.pubkey, profile_name: profile.name });
    return { status: "approved" as const, kind: request.kind, pubkey: request.pubkey, profile: { type: profile.type, name: profile.name } };
  });
}

export interface LinkStatus {
  status: "pending" | "approved" | "expired";
  profile: { type: DeviceKind; name: string } | null;
  expires_at: string;
}

/** The device polls with its device code; polling faster than the interval gets 429 slow_down. */
export async function linkStatus(ctx: PairingCtx, input: { deviceCode: string }): Promise<LinkStatus> {
  const request = await findByDeviceCodeHash(ctx.sql, sha256Hex(input.deviceCode));
  if (!request) throw new AppError("link_request_not_found", "unknown device_code");
  const now = ctx.clock.now();
  // One second of slack: a client sleeping exactly `interval` between polls must not be punished
  // for timer jitter.
  const minGapMs = Math.max(0, ctx.pollIntervalSeconds - 1) * 1000;
  if (!(await recordPoll(ctx.sql, request.id, now, minGapMs))) {
    throw new AppError("slow_down", `poll at most every ${ctx.pollIntervalSeconds} s`, {
      headers: { "Retry-After": String(ctx.pollIntervalSeconds) },
      details: { interval: ctx.pollIntervalSeconds },
    });
  }
  return describe(ctx, request, now);
}

async function describe(ctx: Ctx, request: LinkRequestRow, now: Date): Promise<LinkStatus> {
  const expires_at = request.expires_at.toISOString();
  if (request.status === "approved" && request.approved_by !== null) {
    const profile = await findProfileOfUser(ctx, request.approved_by);
    return { status: "approved", profile: profile ? { type: profile.type, name: profile.name } : null, expires_at };
  }
  return { status: request.expires_at <= now ? "expired" : "pending", profile: null, expires_at };
}

export interface LinkRequestView {
  code: string;
  kind: DeviceKind;
  pubkey: string;
  status: "pending" | "approved" | "expired";
  expires_at: string;
}

/** What the console shows before approval: which key, of which kind, asks to be linked. */
export async function viewLinkRequest(ctx: PairingCtx, input: { code: string }): Promise<LinkRequestView> {
  if (ctx.actor.kind !== "user") throw new AppError("unauthorized", "sign in to see a pairing request");
  const code = parseCode(input.code);
  const request = await findLatestByCode(ctx.sql, code);
  if (!request) throw unknownCode();
  const now = ctx.clock.now();
  const status = request.status === "approved" ? "approved" : request.expires_at <= now ? "expired" : "pending";
  return { code: displayUserCode(request.user_code), kind: request.kind, pubkey: request.pubkey, status, expires_at: request.expires_at.toISOString() };
}

// A binding is permanent (device_keys rows are never updated or unbound), so the payment path
// reads it from memory after the first lookup.
const bindings = permanentFacts<string, DeviceKeyRow>();

/** A device key's binding, for other modules (gateway payments and lookups). */
export async function findLinkedDevice(ctx: Pick<Ctx, "sql">, pubkey: string) {
  return bindings.get(ctx.sql, pubkey, () => findDeviceKey(ctx.sql, pubkey));
}
