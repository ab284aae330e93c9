import type { Context } from "hono";
import { findUserById, type CredentialScheme } from "@/auth";
import { unixSeconds } from "@/core/clock";
import type { Clock } from "@/core/clock";
import { AppError, type ErrorCodeWithStatus } from "@/core/errors";
import { isAddressText, isBase58Signature, verifyEd25519 } from "@/core/solana";
import type { Sql } from "@/db/client";
import type { HonoEnv } from "@/http/env";
import { deviceAuthMessage, PROOF_WINDOW_SECONDS } from "./codes";
import { findDeviceKey, type DeviceKeyRow } from "./queries";

// `Authorization: Device <pubkey>:<unix seconds>:<base58 signature>`, the signature by the device
// key over machpay-device:<METHOD>:<path?query>:<timestamp>. It lets a linked CLI or gateway read
// (never write) with nothing but its key file. Replays are possible within the time window, which
// is acceptable only because the scheme is read-only.

const unauthorized = (code: ErrorCodeWithStatus<401>, message: string) => new AppError(code, message);

export function pathWithQuery(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}

/** Checks the signature and the time window; the key may or may not be linked. */
export async function verifyDeviceCredential(
  credential: string,
  request: { method: string; pathWithQuery: string; now: Date },
): Promise<{ pubkey: string } | AppError> {
  const [pubkey, ts, signature, ...rest] = credential.split(":");
  if (rest.length > 0 || !pubkey || !ts || !signature || !isAddressText(pubkey) || !/^\d{1,12}$/.test(ts) || !isBase58Signature(signature)) {
    return unauthorized("invalid_device_signature", "expected Authorization: Device <pubkey>:<unix seconds>:<base58 signature>");
  }
  const timestamp = Number(ts);
  if (Math.abs(unixSeconds(request.now) - timestamp) > PROOF_WINDOW_SECONDS) {
    return new AppError("proof_expired", `timestamp must be within ${PROOF_WINDOW_SECONDS} s of the server's clock`, {
      details: { server_time: unixSeconds(request.now) },
    });
  }
  const message = new TextEncoder().encode(deviceAuthMessage(request.method, request.pathWithQuery, timestamp));
  if (!(await verifyEd25519(pubkey, signature, message))) {
    return unauthorized("invalid_device_signature", "signature does not verify for this key, method, path and timestamp");
  }
  return { pubkey };
}

/** The Device scheme for the authenticate middleware: a linked key acts, read-only, as its user. */
export function deviceScheme(deps: { sql: Sql; clock: Clock }): CredentialScheme {
  return async (credential: string, c: Context<HonoEnv>) => {
    const verified = await verifyDeviceCredential(credential, { method: c.req.method, pathWithQuery: pathWithQuery(c.req.url), now: deps.clock.now() });
    if (verified instanceof AppError) return verified;
    const device: DeviceKeyRow | undefined = await findDeviceKey(deps.sql, verified.pubkey);
    if (!device) return unauthorized("device_not_linked", "this key is not linked to a profile: run the link command");
    const user = await findUserById(deps.sql, device.user_id);
    if (!user) return unauthorized("device_not_linked", "this key's profile no longer exists");
    return {
      kind: "user" as const,
      userId: user.id,
      role: user.role,
      permissions: ["read"] as const,
      via: "device" as const,
      device: { pubkey: device.pubkey, kind: device.kind },
    };
  };
}
