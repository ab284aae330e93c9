import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { access } from "@/http/guards";
import { ctxOf } from "@/http/context";
import type { NotificationsDeps } from "./deps";
import type { HonoEnv } from "@/http/env";
import { errorsFor, jsonBody, jsonContent } from "@/http/route-helpers";
import { BACKOFF_MS } from "./deliver";
import { CreatedWebhookSchema, CreateWebhookSchema, toWebhookDTO, WebhookEventSchema, WebhookListSchema } from "./schemas";
import { createWebhook, deleteWebhook, ID_PATTERN, listWebhooks, MAX_WEBHOOKS } from "./webhooks";

const signedIn = access.user();
const minutes = BACKOFF_MS.map((ms) => (ms < 3_600_000 ? `${ms / 60_000} min` : `${ms / 3_600_000} h`)).join(", ");

const createWebhookRoute = createRoute({
  method: "post",
  path: "/v1/webhooks",
  operationId: "createWebhook",
  tags: ["notifications"],
  summary: "Register a webhook for notification types; its signing secret (whsec_...) is shown once",
  description:
    "Each matching notification is POSTed as a WebhookEvent `{id, type, created_at, data}` with `X-MachPay-Signature: sha256=<hex HMAC-SHA-256 of the raw body with the secret>` " +
    `and \`X-MachPay-Event-Id\` (the same on every retry). A 2xx answer is a delivery; anything else (redirects are not followed, timeouts count) is retried after ${minutes}, then given up. ` +
    `The URL must be https and resolve to public addresses only (400 webhook_url_forbidden / webhook_url_unresolvable); checked again at every delivery. At most ${MAX_WEBHOOKS} per user (409 webhook_limit_reached).`,
  ...signedIn,
  request: { body: jsonBody(CreateWebhookSchema) },
  responses: { 201: jsonContent("The webhook, with its secret", CreatedWebhookSchema), ...errorsFor(400, 401, 403, 409) },
});

const listWebhooksRoute = createRoute({
  method: "get",
  path: "/v1/webhooks",
  operationId: "listWebhooks",
  tags: ["notifications"],
  summary: "The caller's webhooks, newest first (never their secrets)",
  ...signedIn,
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(200).optional().openapi({ description: "Page size, default 50, at most 200" }),
      cursor: z.string().min(1).max(200).optional().openapi({ description: "next_cursor of the previous page" }),
    }),
  },
  responses: { 200: jsonContent("A page of webhooks", WebhookListSchema), ...errorsFor(400, 401, 403) },
});

const deleteWebhookRoute = createRoute({
  method: "delete",
  path: "/v1/webhooks/{id}",
  operationId: "deleteWebhook",
  tags: ["notifications"],
  summary: "Delete one of the caller's webhooks; its pending deliveries are dropped",
  description: "Another user's webhook, or one already deleted, is 404 webhook_not_found.",
  ...signedIn,
  request: { params: z.object({ id: z.string().regex(ID_PATTERN, "expected a webhook id (digits)").openapi({ param: { name: "id", in: "path" }, example: "12" }) }) },
  responses: { 204: { description: "Deleted" }, ...errorsFor(400, 401, 403, 404) },
});

export function registerNotificationRoutes(router: OpenAPIHono<HonoEnv>, deps: NotificationsDeps) {
  // What receivers get is not a response of ours: documented as a component of its own.
  router.openAPIRegistry.register("WebhookEvent", WebhookEventSchema);
  // And as the document's webhook (OpenAPI 3.1 `webhooks`): what we POST to a registered URL.
  router.openAPIRegistry.registerWebhook({
    method: "post",
    path: "notification",
    operationId: "notificationWebhook",
    tags: ["notifications"],
    summary: "A notification POSTed to a registered webhook URL",
    description:
      "Sent by this server to each webhook whose types match, signed with the webhook's secret in `X-MachPay-Signature: sha256=<hex HMAC-SHA-256 of the raw body>`. " +
      "Answer 2xx to acknowledge; other answers and timeouts are retried with backoff.",
    security: [],
    request: {
      headers: z.object({ "x-machpay-signature": z.string().openapi({ example: "sha256=3f1c..." }) }),
      body: { required: true, content: { "application/json": { schema: WebhookEventSchema } } },
    },
    responses: { 200: { description: "Acknowledged (any 2xx)" }, "4XX": { description: "Refused by the receiver: retried (5 attempts in all)" } },
  });
  const webhookCtx = (c: Parameters<typeof ctxOf>[1]) => ({
    ...ctxOf(deps, c),
    secrets: deps.secrets,
    allowPrivateTargets: deps.config.WEBHOOK_ALLOW_PRIVATE_TARGETS,
  });

  router.openapi(createWebhookRoute, async (c) => {
    const { row, secret } = await createWebhook(webhookCtx(c), c.req.valid("json"));
    c.set("logFields", { ...c.get("logFields"), webhook_id: row.id.toString() });
    return c.json({ ...toWebhookDTO(row), secret }, 201);
  });
  router.openapi(listWebhooksRoute, async (c) => {
    const page = await listWebhooks(ctxOf(deps, c), c.req.valid("query"));
    return c.json({ data: page.rows.map(toWebhookDTO), next_cursor: page.nextCursor }, 200);
  });
  router.openapi(deleteWebhookRoute, async (c) => {
    await deleteWebhook(ctxOf(deps, c), c.req.valid("param"));
    return c.body(null, 204);
  });
}
