import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AuthDeps } from "../deps";
import type { HonoEnv } from "@/http/env";
import { errorResponses } from "@/http/errors";
import { access, requireUserActor } from "@/http/guards";

const WhoAmISchema = z
  .object({
    user_id: z.string(),
    role: z.enum(["observer", "architect", "operator"]),
    via: z.enum(["jwt", "api_key", "device"]),
    permissions: z.array(z.enum(["read", "write"])),
    api_key_id: z.string().nullable(),
    device_pubkey: z.string().nullable(),
  })
  .openapi("WhoAmI", { example: { user_id: "42", role: "architect", via: "api_key", permissions: ["read", "write"], api_key_id: "17", device_pubkey: null } });

const meRoute = createRoute({
  method: "get",
  path: "/v1/me",
  operationId: "whoAmI",
  tags: ["auth"],
  summary: "Who the credential belongs to: user, role, and what it may do (no database work beyond authentication)",
  ...access.user(),
  responses: {
    200: { description: "The caller", content: { "application/json": { schema: WhoAmISchema } } },
    401: errorResponses[401],
    403: errorResponses[403],
    500: errorResponses[500],
  },
});

export function registerMeRoutes(router: OpenAPIHono<HonoEnv>, _deps: AuthDeps) {
  router.openapi(meRoute, (c) => {
    const actor = requireUserActor(c.get("actor"), c.get("authError"), c.req.method);
    return c.json(
      {
        user_id: actor.userId.toString(),
        role: actor.role,
        via: actor.via,
        permissions: [...actor.permissions],
        api_key_id: actor.apiKey ? actor.apiKey.id.toString() : null,
        device_pubkey: actor.device?.pubkey ?? null,
      },
      200,
    );
  });
}
