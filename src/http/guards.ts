import type { RouteConfig } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { Actor, Permission, ProfileRole, Role, UserActor } from "@/core/actor";
import { AppError, roleRequired, type ErrorCodeWithStatus } from "@/core/errors";
import type { HonoEnv } from "./env";

// Who may call an operation, declared on its route definition: `...access.role("architect")` in a
// createRoute puts the guard in the route's own middleware (it runs before validation) and says
// the same in the OpenAPI document (`x-machpay-access`), which the shared security suite walks.
// The authenticate middleware has already turned the Authorization header into an actor.

/** The credentials an operation accepts. A user's API key is held to read (GET) or write (other methods). */
export type Credential = "jwt" | "api_key" | "gateway_key" | "device" | "admin_token" | "recon_hmac";

/** What `x-machpay-access` says of an operation. */
export interface AccessRule {
  /** The role the caller's user must hold ("any": any signed-in user). */
  role?: Role | "any";
  credentials: readonly Credential[];
}

export const ACCESS_EXTENSION = "x-machpay-access";

const unauthorized = (code: ErrorCodeWithStatus<401>, message: string) => new AppError(code, message, { headers: { "WWW-Authenticate": 'Bearer realm="machpay"' } });

/** The signed-in user, or 401. API keys (and device signatures) are held to their permissions: read for GET, write otherwise. */
export function requireUserActor(actor: Actor, authError: AppError | undefined, method: string): UserActor {
  if (authError) throw authError;
  if (actor.kind !== "user") throw unauthorized("unauthorized", "sign in or send an API key: Authorization: Bearer <token>");
  const needed: Permission = method === "GET" || method === "HEAD" ? "read" : "write";
  if (!actor.permissions.includes(needed)) {
    throw new AppError("insufficient_permissions", `this API key lacks the "${needed}" permission`);
  }
  return actor;
}

export function requireUser(): MiddlewareHandler<HonoEnv> {
  return async (c, next) => {
    requireUserActor(c.get("actor"), c.get("authError"), c.req.method);
    await next();
  };
}

const ROLE_HINT: Record<ProfileRole, string> = {
  architect: "create an agent profile first (POST /v1/profile with type agent)",
  operator: "create a vendor profile first (POST /v1/profile with type vendor)",
};

/** The signed-in user holding `role`, or the refusal requireRole answers; `method` says read (GET) or write. */
export function requireRoleActor(actor: Actor, authError: AppError | undefined, method: string, role: ProfileRole): UserActor {
  const user = requireUserActor(actor, authError, method);
  if (user.role !== role) {
    throw new AppError(roleRequired(role), `this route needs the ${role} role: ${ROLE_HINT[role]}`, {
      details: { required_role: role, your_role: user.role },
    });
  }
  return user;
}

export function requireRole(role: ProfileRole): MiddlewareHandler<HonoEnv> {
  return async (c, next) => {
    requireRoleActor(c.get("actor"), c.get("authError"), c.req.method, role);
    await next();
  };
}

const gatewayOnly = (allowDevice: boolean): MiddlewareHandler<HonoEnv> => async (c, next) => {
  const actor = requireUserActor(c.get("actor"), c.get("authError"), c.req.method);
  const isGatewayKey = actor.via === "api_key" && actor.apiKey?.kind === "gateway";
  const isGatewayDevice = allowDevice && actor.via === "device" && actor.device?.kind === "vendor";
  if (!isGatewayKey && !isGatewayDevice) {
    const how = allowDevice ? "use a gateway key (mp_gk_live_...)" : "submit payments with a gateway key (mp_gk_live_...)";
    throw new AppError("gateway_key_required", allowDevice ? `this route is for vendor gateways: ${how}` : how);
  }
  await next();
};

const USER_CREDENTIALS = ["jwt", "api_key", "device"] as const;

/** The route fields (`middleware`, `security`, `x-machpay-access`) to spread into a createRoute. */
const declare = (rule: AccessRule, middleware: MiddlewareHandler<HonoEnv>[], scheme: "bearerAuth" | "deviceSignature" | "reconSignature" = "bearerAuth") => ({
  middleware,
  security: [{ [scheme]: [] as string[] }],
  [ACCESS_EXTENSION]: rule,
});

/**
 * Access rules for route definitions. Those that need a secret from the configuration (admin,
 * HMAC) are completed at registration: `guarded(route, middleware)`.
 */
export const access = {
  /** No credentials needed (a credential sent anyway is ignored when invalid). */
  public: () => ({ security: [] as Record<string, string[]>[], [ACCESS_EXTENSION]: { credentials: [] } satisfies AccessRule }),
  /** Any signed-in user, whatever the role. */
  user: (credentials: readonly Credential[] = USER_CREDENTIALS) => declare({ role: "any", credentials }, [requireUser()]),
  /** A user holding `role`; `credentials` narrows what the operation's verb accepts (e.g. key management: a session). */
  role: (role: ProfileRole, credentials: readonly Credential[] = USER_CREDENTIALS) => declare({ role, credentials }, [requireRole(role)]),
  /** A vendor gateway: its gateway key, or (with `device`) its linked vendor device key. */
  gateway: (options: { device: boolean }) =>
    declare({ role: "operator", credentials: options.device ? ["gateway_key", "device"] : ["gateway_key"] }, [gatewayOnly(options.device)]),
  /** A linked device's signature (`Authorization: Device <pubkey>:<ts>:<sig>`), verified by the handler. */
  device: () => declare({ credentials: ["device"] }, [], "deviceSignature"),
  /** The ADMIN_TOKEN bearer secret; the guard is added at registration (`guarded`). */
  admin: () => declare({ credentials: ["admin_token"] }, []),
  /** An HMAC of the raw body in a header; the guard is added at registration (`guarded`). */
  hmac: () => declare({ credentials: ["recon_hmac"] }, [], "reconSignature"),
};

/** A route definition with middleware that needs the module's dependencies (a secret, a limiter) added in front of its guard. */
export function guarded<R extends RouteConfig>(route: R, ...middleware: MiddlewareHandler<HonoEnv>[]): R {
  const own = route.middleware === undefined ? [] : Array.isArray(route.middleware) ? route.middleware : [route.middleware];
  return { ...route, middleware: [...middleware, ...own] };
}
