import { AppError } from "@/core/errors";
import type { Ctx } from "@/db/context";
import { randomBase62 } from "@/core/ids";
import type { Tx } from "@/db/client";
import { withTransaction } from "@/db/transaction";
import { findUserById, type UserRow } from "./queries/users";
import { insertRefreshToken, lockRefreshToken, markRotated, revokeAllOfUser, revokeFamily } from "./queries/refresh-tokens";
import { toUserDTO, type SessionDTO } from "./schemas";
import { sha256Hex } from "./secrets";
import type { TokenService } from "./tokens";

export interface SessionCtx extends Ctx {
  tokens: TokenService;
  refreshTtlSeconds: number;
  accessTtlSeconds: number;
}

const REFRESH_PREFIX = "mp_rt_";

/** A new login: an access token and the first refresh token of a new family. */
export async function issueSession(ctx: SessionCtx, user: UserRow): Promise<SessionDTO> {
  return issueInFamily(ctx, ctx.sql, user, crypto.randomUUID());
}

async function issueInFamily(ctx: SessionCtx, sql: Tx, user: UserRow, familyId: string): Promise<SessionDTO> {
  const now = ctx.clock.now();
  const refresh = REFRESH_PREFIX + randomBase62(43);
  await insertRefreshToken(sql, {
    userId: user.id,
    familyId,
    tokenHash: sha256Hex(refresh),
    expiresAt: new Date(now.getTime() + ctx.refreshTtlSeconds * 1000),
    now,
  });
  const { token } = await ctx.tokens.sign({
    sub: user.id.toString(),
    userID: user.id.toString(),
    role: user.role,
    ...(user.email ? { email: user.email } : {}),
    ...(user.name ? { name: user.name } : {}),
  });
  return { token, refresh_token: refresh, token_type: "Bearer", expires_in: ctx.accessTtlSeconds, user: toUserDTO(user) };
}

const invalidRefresh = () => new AppError("invalid_refresh_token", "refresh token is invalid, expired or revoked");

/**
 * Rotation with reuse detection: a refresh token works once. Presenting an already rotated one
 * means two parties hold the family, so the whole family is revoked (OAuth 2.0 Security BCP 4.14).
 */
export async function refreshSession(ctx: SessionCtx, refreshToken: string): Promise<SessionDTO> {
  const outcome = await withTransaction(ctx.sql, async (tx) => {
    const row = await lockRefreshToken(tx, sha256Hex(refreshToken));
    const now = ctx.clock.now();
    if (!row || row.revoked_at) return { error: invalidRefresh() };
    if (row.rotated_at) {
      await revokeFamily(tx, row.family_id, now);
      ctx.log.warn("refresh token reused: family revoked", { user_id: row.user_id, family_id: row.family_id });
      return {
        error: new AppError("refresh_token_reused", "this refresh token was already used; every session of this login is revoked"),
      };
    }
    if (row.expires_at <= now) return { error: invalidRefresh() };
    const user = await findUserById(tx, row.user_id);
    if (!user) return { error: invalidRefresh() };
    await markRotated(tx, row.id, now);
    return { session: await issueInFamily(ctx, tx, user, row.family_id) };
  });
  // Thrown after COMMIT so the family revocation persists.
  if ("error" in outcome) throw outcome.error;
  return outcome.session;
}

/** Ends the login of this refresh token (its whole family), or every login of the user with `all`. */
export async function logout(ctx: SessionCtx, input: { refreshToken?: string | undefined; all?: boolean | undefined }): Promise<void> {
  const now = ctx.clock.now();
  if (input.all) {
    if (ctx.actor.kind !== "user") throw new AppError("unauthorized", "sign in to end every session");
    await revokeAllOfUser(ctx.sql, ctx.actor.userId, now);
    return;
  }
  if (!input.refreshToken) throw new AppError("invalid_request", "refresh_token is required unless all is true", { details: { issues: [{ field: "refresh_token", location: "json", message: "required" }] } });
  await withTransaction(ctx.sql, async (tx) => {
    const row = await lockRefreshToken(tx, sha256Hex(input.refreshToken!));
    // Logging out with an unknown token reveals nothing and changes nothing.
    if (row) await revokeFamily(tx, row.family_id, now);
  });
}
