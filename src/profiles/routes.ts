import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { ctxOf } from "@/http/context";
import type { BaseDeps } from "@/http/module";
import type { HonoEnv } from "@/http/env";
import { errorResponses } from "@/http/errors";
import { access } from "@/http/guards";
import { CreateProfileSchema, ProfileSchema, toProfileDTO } from "./schemas";
import { createProfile, getProfile } from "./service";

const createProfileRoute = createRoute({
  method: "post",
  path: "/v1/profile",
  operationId: "createProfile",
  tags: ["profiles"],
  summary: "Create the caller's agent or vendor profile (sets the role to architect or operator)",
  ...access.user(),
  request: { body: { required: true, content: { "application/json": { schema: CreateProfileSchema } } } },
  responses: {
    201: { description: "Profile created", content: { "application/json": { schema: ProfileSchema } } },
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
    409: errorResponses[409],
    500: errorResponses[500],
  },
});

const getProfileRoute = createRoute({
  method: "get",
  path: "/v1/profile",
  operationId: "getProfile",
  tags: ["profiles"],
  summary: "The caller's profile",
  ...access.user(),
  responses: {
    200: { description: "The profile", content: { "application/json": { schema: ProfileSchema } } },
    401: errorResponses[401],
    403: errorResponses[403],
    404: errorResponses[404],
    500: errorResponses[500],
  },
});

export function registerProfileRoutes(router: OpenAPIHono<HonoEnv>, deps: BaseDeps) {
  router.openapi(createProfileRoute, async (c) => {
    const row = await createProfile(ctxOf(deps, c), c.req.valid("json"));
    return c.json(toProfileDTO(row), 201);
  });
  router.openapi(getProfileRoute, async (c) => c.json(toProfileDTO(await getProfile(ctxOf(deps, c))), 200));
}
