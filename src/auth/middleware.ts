import type { Context, MiddlewareHandler } from "hono";
import { ALL_PERMISSIONS, anonymous, type Permission, type UserActor } from "@/core/actor";
import { AppError, type ErrorCodeWithStatus } from "@/core/errors";
import type { Sql } from "@/db/client";
import type { HonoEnv } from "@/http/env";
import type { KeyUsage } from "./key-usage";
import { cachedKey, rememberKey } from "./key-cache";
import { findActiveKeyByHash } from "./queries/api-keys";
import { findUserById } from "./queries/users";
import type { Secrets } from "./secrets";
import type { TokenService } from "./tokens";

/**
 * A further Authorization scheme (e.g. `Device`, resolved by the pairing module), injected when
 * the app is assembled so that auth does not depend on the modules that define them.
 */
export type CredentialScheme = (credential: string, c: Context<HonoEnv>) => Promise<UserActor | AppError>;

export interface AuthenticateDeps {
  sql: Sql;
  tokens: TokenService;
  secrets: Secrets;
  keyUsage: KeyUsage;
  schemes?: Record<string, CredentialScheme>;
}

export const API_KEY_PATTERN = /^mp_(sk|gk)_live_[0-9A-Za-z]{32,}$/;

const unauthorized = (code: ErrorCodeWithStatus<401>, message: string) => new AppError(code, message, { headers: { "WWW-Authenticate": 'Bearer realm="machpay"' } });

/** What an API key lookup needs: the pool, the pepper and the last-used batcher. */
export type ApiKeyDeps = Pick<AuthenticateDeps, "sql" | "secrets" | "keyUsage">;

/**
 * An API key (mp_sk_live_..., mp_gk_live_...) into its user's actor. Cached (key-cache.ts), so a
 * steady caller costs no query per request; also used by the telemetry receiver, which takes keys
 * but no sessions.
 */
export async function resolveApiKey(deps: ApiKeyDeps, credential: string): Promise<UserActor | AppError> {
  if (!API_KEY_PATTERN.test(credential)) return unauthorized("invalid_api_key", "API key is malformed");
  const hash = deps.secrets.hmac(credential);
  let key = cachedKey(deps.sql, hash);
  if (!key) {
    key = await findActiveKeyByHash(deps.sql, hash);
    if (!key) return unauthorized("invalid_api_key", "API key is unknown or revoked");
    rememberKey(deps.sql, hash, key);
  }
  deps.keyUsage.mark(key.id);
  return {
    kind: "user",
    userId: key.user_id,
    role: key.role,
    permissions: key.permissions.split(",") as Permission[],
    via: "api_key",
    apiKey: { id: key.id, kind: key.kind },
  };
}

/** Resolves a bearer credential (an access JWT or an API key) into an actor; null when invalid. */
export async function resolveCredential(deps: AuthenticateDeps, credential: string): Promise<UserActor | AppError> {
  if (credential.startsWith("mp_sk_") || credential.startsWith("mp_gk_")) return resolveApiKey(deps, credential);
  const claims = await deps.tokens.verify(credential);
  if (!claims || !/^\d+$/.test(claims.sub)) return unauthorized("invalid_token", "access token is invalid or expired");
  // The role is read from the database, not the token: a profile created after login counts at once.
  const user = await findUserById(deps.sql, BigInt(claims.sub));
  if (!user) return unauthorized("invalid_token", "access token names no user");
  return { kind: "user", userId: user.id, role: user.role, permissions: ALL_PERMISSIONS, via: "jwt" };
}

/**
 * Global: sets `actor` for every request. A missing credential is anonymous; an invalid one is
 * remembered in `authError` and answered by the guards, so public routes keep working.
 */
export function authenticate(deps: AuthenticateDeps): MiddlewareHandler<HonoEnv> {
  return async (c, next) => {
    c.set("actor", anonymous);
    c.set("authError", undefined);
    const header = c.req.header("authorization");
    if (header) {
      const match = /^(\w[\w-]*)\s+(\S+)\s*$/.exec(header);
      const scheme = match?.[1]!.toLowerCase();
      const extra = scheme && scheme !== "bearer" ? Object.entries(deps.schemes ?? {}).find(([name]) => name.toLowerCase() === scheme)?.[1] : undefined;
      const result =
        match && scheme === "bearer"
          ? await resolveCredential(deps, match[2]!)
          : match && extra
            ? await extra(match[2]!, c)
            : unauthorized("invalid_authorization", "expected the header Authorization: Bearer <token>");
      if (result instanceof AppError) c.set("authError", result);
      else {
        c.set("actor", result);
        c.set("logFields", { ...c.get("logFields"), user_id: result.userId.toString(), auth: result.via });
      }
    }
    await next();
  };
}
