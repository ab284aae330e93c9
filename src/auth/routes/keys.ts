import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { KeyKind } from "@/core/actor";
import { ctxOf } from "@/http/context";
import type { AuthDeps } from "../deps";
import type { HonoEnv } from "@/http/env";
import { errorResponses } from "@/http/errors";
import { createApiKey, decodePermissions, listApiKeys, MAX_ACTIVE_KEYS, revokeApiKey } from "../api-keys";
import { access } from "@/http/guards";
import type { ApiKeyRow } from "../queries/api-keys";

// API keys: GET/POST /v1/agent/keys (agent keys, architects), GET/POST /v1/vendor/keys (gateway
// keys, operators), DELETE .../keys/{id}. The guards run before the handlers (registered first).

const PermissionSchema = z.enum(["read", "write"]).openapi("ApiKeyPermission");

export const ApiKeySchema = z
  .object({
    id: z.string().openapi({ example: "17", description: "Key id (a BIGSERIAL, carried as a string)" }),
    name: z.string(),
    prefix: z.string().openapi({ example: "mp_sk_live_Ab3x", description: "Type prefix plus the first 4 characters of the secret" }),
    permissions: z.array(PermissionSchema).openapi({ description: "read allows GET/HEAD, write every other method" }),
    last_used_at: z.string().nullable().openapi({ format: "date-time", description: "Updated in batches, about every 10 seconds" }),
    created_at: z.string().openapi({ format: "date-time" }),
    revoked_at: z.string().nullable().openapi({ format: "date-time", description: "Set once revoked; a revoked key authenticates nothing" }),
  })
  .openapi("ApiKey", {
    example: { id: "17", name: "production agent", prefix: "mp_sk_live_Ab3x", permissions: ["read", "write"], last_used_at: "2026-12-03T08:05:10.000Z", created_at: "2026-12-03T08:00:00.000Z", revoked_at: null },
  });

export const CreatedApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string(),
    permissions: z.array(PermissionSchema),
    key: z.string().openapi({ example: "mp_sk_live_Ab3xQ9...", description: "The full secret. Shown in this response only: store it now" }),
    created_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("CreatedApiKey", {
    example: { id: "17", name: "production agent", prefix: "mp_sk_live_Ab3x", permissions: ["read", "write"], key: "mp_sk_live_Ab3xQ9vT2mW8nK4pL6rS1uY0zC5eG7hJ", created_at: "2026-12-03T08:00:00.000Z" },
  });

export const ApiKeyListSchema = z.object({ data: z.array(ApiKeySchema), next_cursor: z.string().nullable() }).openapi("ApiKeyList");

export const CreateApiKeySchema = z
  .object({
    name: z.string().trim().min(1).max(50).openapi({ example: "production agent" }),
    permissions: z
      .array(PermissionSchema)
      .min(1)
      .max(2)
      .optional()
      .openapi({ description: "Defaults to both", example: ["read", "write"] }),
  })
  .openapi("CreateApiKeyRequest", { example: { name: "production agent", permissions: ["read", "write"] } });

const ListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).optional().openapi({ description: "Page size, default 50, at most 200", example: 50 }),
  cursor: z.string().min(1).max(100).optional().openapi({ description: "next_cursor of the previous page" }),
});

const IdParamSchema = z.object({ id: z.string().regex(/^\d+$/, "expected a key id (digits)").openapi({ example: "17" }) });

const SEGMENT = { agent: "agent", gateway: "vendor" } as const satisfies Record<KeyKind, string>;
const LABEL = { agent: "Agent", gateway: "Gateway" } as const satisfies Record<KeyKind, string>;
const ROLE = { agent: "architect", gateway: "operator" } as const satisfies Record<KeyKind, string>;
const KEY_EXAMPLE = { agent: "mp_sk_live_...", gateway: "mp_gk_live_..." } as const satisfies Record<KeyKind, string>;
const ARTICLE = { agent: "an", gateway: "a" } as const satisfies Record<KeyKind, string>;

function keyRoutes<K extends KeyKind>(kind: K) {
  const path = `/v1/${SEGMENT[kind]}/keys` as const;
  const who = `Needs the ${ROLE[kind]} role.`;
  return {
    list: createRoute({
      method: "get",
      path,
      operationId: `list${LABEL[kind]}Keys`,
      tags: ["auth"],
      summary: `List the caller's ${kind} API keys, newest first (revoked ones included, marked)`,
      description: `${who} Never returns the secret or its hash. Works with an API key holding "read".`,
      ...access.role(ROLE[kind]),
      request: { query: ListQuerySchema },
      responses: {
        200: { description: "A page of keys", content: { "application/json": { schema: ApiKeyListSchema } } },
        400: errorResponses[400],
        401: errorResponses[401],
        403: errorResponses[403],
        500: errorResponses[500],
      },
    }),
    create: createRoute({
      method: "post",
      path,
      operationId: `create${LABEL[kind]}Key`,
      tags: ["auth"],
      summary: `Create ${ARTICLE[kind]} ${kind} API key (${KEY_EXAMPLE[kind]}); the secret is shown once`,
      description: `${who} Needs a signed-in session: an API key cannot create keys (403 session_required). At most ${MAX_ACTIVE_KEYS} active keys (409 key_limit_reached).`,
      ...access.role(ROLE[kind], ["jwt"]),
      request: { body: { required: true, content: { "application/json": { schema: CreateApiKeySchema } } } },
      responses: {
        201: { description: "The key, with its secret", content: { "application/json": { schema: CreatedApiKeySchema } } },
        400: errorResponses[400],
        401: errorResponses[401],
        403: errorResponses[403],
        409: errorResponses[409],
        500: errorResponses[500],
      },
    }),
    revoke: createRoute({
      method: "delete",
      path: `${path}/{id}`,
      operationId: `revoke${LABEL[kind]}Key`,
      tags: ["auth"],
      summary: `Revoke one of the caller's ${kind} API keys, effective on the next request`,
      description: `${who} Needs a signed-in session. Revoking a revoked key is a 204 again; another user's key is 404 api_key_not_found.`,
      ...access.role(ROLE[kind], ["jwt"]),
      request: { params: IdParamSchema },
      responses: {
        204: { description: "Revoked" },
        400: errorResponses[400],
        401: errorResponses[401],
        403: errorResponses[403],
        404: errorResponses[404],
        500: errorResponses[500],
      },
    }),
  };
}

const agentKeyRoutes = keyRoutes("agent");
const gatewayKeyRoutes = keyRoutes("gateway");

function toApiKeyDTO(row: ApiKeyRow): z.infer<typeof ApiKeySchema> {
  return {
    id: row.id.toString(),
    name: row.name,
    prefix: row.prefix,
    permissions: decodePermissions(row.permissions),
    last_used_at: row.last_used_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
    revoked_at: row.revoked_at?.toISOString() ?? null,
  };
}

function toCreatedApiKeyDTO(row: ApiKeyRow, key: string): z.infer<typeof CreatedApiKeySchema> {
  return {
    id: row.id.toString(),
    name: row.name,
    prefix: row.prefix,
    permissions: decodePermissions(row.permissions),
    key,
    created_at: row.created_at.toISOString(),
  };
}

const logKey = (c: Context<HonoEnv>, id: bigint) => c.set("logFields", { ...c.get("logFields"), api_key_id: id.toString() });

function registerKind(router: OpenAPIHono<HonoEnv>, deps: AuthDeps, kind: KeyKind) {
  const routes = kind === "agent" ? agentKeyRoutes : gatewayKeyRoutes;
  router.openapi(routes.list, async (c) => {
    const { limit, cursor } = c.req.valid("query");
    const page = await listApiKeys(ctxOf(deps, c), { kind, limit, cursor });
    return c.json({ data: page.rows.map(toApiKeyDTO), next_cursor: page.nextCursor }, 200);
  });
  router.openapi(routes.create, async (c) => {
    const { name, permissions } = c.req.valid("json");
    const { row, key } = await createApiKey({ ...ctxOf(deps, c), secrets: deps.secrets }, { kind, name, permissions });
    logKey(c, row.id);
    return c.json(toCreatedApiKeyDTO(row, key), 201);
  });
  router.openapi(routes.revoke, async (c) => {
    const row = await revokeApiKey(ctxOf(deps, c), { kind, id: c.req.valid("param").id });
    logKey(c, row.id);
    return c.body(null, 204);
  });
}

export function registerKeyRoutes(router: OpenAPIHono<HonoEnv>, deps: AuthDeps) {
  registerKind(router, deps, "agent");
  registerKind(router, deps, "gateway");
}
