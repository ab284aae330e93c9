import type { KeyKind, Permission, UserActor } from "@/core/actor";
import type { Ctx } from "@/db/context";
import { AppError, roleRequired } from "@/core/errors";
import { randomBase62 } from "@/core/ids";
import { withTransaction } from "@/db/transaction";
import {
  countActiveKeys,
  insertApiKey,
  listKeysOfUser,
  lockUserKeys,
  revokeKeyOfUser,
  type ApiKeyRow,
} from "./queries/api-keys";
import { forgetKey } from "./key-cache";
import type { Secrets } from "./secrets";

// API keys (contract.md "Identity"): agent keys mp_sk_live_..., gateway keys mp_gk_live_...
// The secret is shown once; only its peppered HMAC is stored.

export interface ApiKeyCtx extends Ctx {
  secrets: Secrets;
}

export const KEY_TYPE_PREFIX: Record<KeyKind, string> = { agent: "mp_sk_live_", gateway: "mp_gk_live_" };
/** Which role owns which kind of key: architects hold agent keys, operators gateway keys. */
const OWNER_ROLE = { agent: "architect", gateway: "operator" } as const satisfies Record<KeyKind, string>;
/** 32 base62 characters: about 190 bits, enough that a fast HMAC is as safe as a slow hash. */
const SECRET_LENGTH = 32;
/** Characters of the secret shown in `prefix`, so a user can tell keys apart. */
const SHOWN_CHARS = 4;
export const MAX_ACTIVE_KEYS = 25;

/** The table's CHECK allows "read", "write" and "read,write": always this canonical order. */
function encodePermissions(permissions: readonly Permission[]): string {
  return (["read", "write"] as const).filter((p) => permissions.includes(p)).join(",");
}

export function decodePermissions(stored: string): Permission[] {
  return stored.split(",") as Permission[];
}

/**
 * The key's owner. Managing keys needs a signed-in session: an API key (even one with "write")
 * that could mint or revoke keys would let a leaked key outlive its own revocation.
 */
function keyOwner(ctx: Ctx, kind: KeyKind, op: "manage" | "list"): UserActor {
  const actor = ctx.actor;
  if (actor.kind !== "user") throw new AppError("unauthorized", "sign in first");
  const role = OWNER_ROLE[kind];
  if (actor.role !== role) {
    throw new AppError(roleRequired(role), `${kind} keys belong to the ${role} role`);
  }
  if (op === "manage" && actor.via !== "jwt") {
    throw new AppError("session_required", "API keys cannot create or revoke keys: sign in (Authorization: Bearer <access token>)");
  }
  return actor;
}

export async function createApiKey(
  ctx: ApiKeyCtx,
  input: { kind: KeyKind; name: string; permissions?: readonly Permission[] | undefined },
): Promise<{ row: ApiKeyRow; key: string }> {
  const owner = keyOwner(ctx, input.kind, "manage");
  const permissions = encodePermissions(input.permissions ?? ["read", "write"]);
  if (permissions === "") throw new AppError("invalid_request", "permissions must name read, write or both");
  const secret = randomBase62(SECRET_LENGTH);
  const key = KEY_TYPE_PREFIX[input.kind] + secret;
  const row = await withTransaction(ctx.sql, async (tx) => {
    await lockUserKeys(tx, owner.userId);
    const active = await countActiveKeys(tx, owner.userId, input.kind);
    if (active >= MAX_ACTIVE_KEYS) {
      throw new AppError("key_limit_reached", `at most ${MAX_ACTIVE_KEYS} active ${input.kind} keys: revoke one first`, {
        details: { limit: MAX_ACTIVE_KEYS },
      });
    }
    return insertApiKey(tx, {
      userId: owner.userId,
      kind: input.kind,
      name: input.name,
      prefix: KEY_TYPE_PREFIX[input.kind] + secret.slice(0, SHOWN_CHARS),
      hash: ctx.secrets.hmac(key),
      permissions,
      now: ctx.clock.now(),
    });
  });
  return { row, key };
}

/** Opaque to clients; it carries the last id of the page (keys are listed by id, newest first). */
const encodeCursor = (id: bigint) => Buffer.from(`k${id}`).toString("base64url");

function decodeCursor(cursor: string): bigint {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  const match = /^k(\d{1,19})$/.exec(text);
  if (!match || BigInt(match[1]!) > 9223372036854775807n) {
    throw new AppError("invalid_request", "invalid query: cursor: not a cursor this list returned", {
      details: { issues: [{ field: "cursor", location: "query", message: "not a cursor this list returned" }] },
    });
  }
  return BigInt(match[1]!);
}

/** The caller's keys of this kind, revoked ones included (marked by revoked_at), newest first. */
export async function listApiKeys(
  ctx: Ctx,
  input: { kind: KeyKind; limit?: number | undefined; cursor?: string | undefined },
): Promise<{ rows: ApiKeyRow[]; nextCursor: string | null }> {
  const owner = keyOwner(ctx, input.kind, "list");
  const limit = input.limit ?? 50;
  const rows = await listKeysOfUser(ctx.sql, {
    userId: owner.userId,
    kind: input.kind,
    limit: limit + 1,
    beforeId: input.cursor ? decodeCursor(input.cursor) : null,
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { rows: page, nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null };
}

/**
 * Revocation takes effect on the very next request (authentication reads revoked_at, no cache).
 * Idempotent: revoking a revoked key succeeds and keeps the first revocation time. Another
 * user's key is "not found", never "forbidden", so ids reveal nothing.
 */
export async function revokeApiKey(ctx: Ctx, input: { kind: KeyKind; id: string }): Promise<ApiKeyRow> {
  const owner = keyOwner(ctx, input.kind, "manage");
  const id = /^\d{1,19}$/.test(input.id) ? BigInt(input.id) : null;
  const row =
    id !== null && id <= 9223372036854775807n
      ? await revokeKeyOfUser(ctx.sql, { id, userId: owner.userId, kind: input.kind, now: ctx.clock.now() })
      : undefined;
  if (!row) throw new AppError("api_key_not_found", `no ${input.kind} key ${input.id} of yours`);
  forgetKey(ctx.sql, row.id);
  return row;
}
