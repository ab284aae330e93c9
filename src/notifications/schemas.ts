import { z } from "@hono/zod-openapi";
import type { WebhookRow } from "./queries";
import { ALL_EVENTS, NOTIFICATION_TYPES } from "./types";

const EventTypeSchema = z
  .enum([...NOTIFICATION_TYPES, ALL_EVENTS])
  .openapi("WebhookEventType", { description: `A notification type, or "${ALL_EVENTS}" for every type (including ones added later)` });

export const CreateWebhookSchema = z
  .object({
    url: z
      .string()
      .trim()
      .max(2048)
      .refine((s) => /^https?:\/\/[^\s/?#]+/i.test(s) && URL.canParse(s), "expected an absolute https:// (or, where allowed, http://) URL")
      .openapi({
        example: "https://vendor.example.com/machpay/webhooks",
        description: "https only; its host must resolve to public addresses (private, loopback and link-local targets are refused)",
      }),
    events: z.array(EventTypeSchema).min(1).max(NOTIFICATION_TYPES.length + 1).openapi({ example: ["settlement.failed", "payout.confirmed"] }),
  })
  .openapi("CreateWebhookRequest", { example: { url: "https://vendor.example.com/machpay/webhooks", events: ["settlement.failed", "payout.confirmed"] } });

export type CreateWebhookInput = z.infer<typeof CreateWebhookSchema>;

const WEBHOOK_EXAMPLE = {
  id: "12",
  url: "https://vendor.example.com/machpay/webhooks",
  events: ["settlement.failed", "payout.confirmed"],
  created_at: "2026-12-03T08:00:00.000Z",
};

export const WebhookSchema = z
  .object({
    id: z.string().openapi({ example: "12" }),
    url: z.string(),
    events: z.array(z.string()),
    created_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Webhook", { example: WEBHOOK_EXAMPLE });

export const CreatedWebhookSchema = WebhookSchema.extend({
  secret: z.string().openapi({
    example: "whsec_4eC39HqLyjWDarjtT1zdp7dc4eC39HqL",
    description:
      "Shown in this response only: store it now. Each delivery carries X-MachPay-Signature: sha256=<hex HMAC-SHA-256 of the raw body with this secret>",
  }),
}).openapi("CreatedWebhook", { example: { ...WEBHOOK_EXAMPLE, secret: "whsec_4eC39HqLyjWDarjtT1zdp7dc4eC39HqL" } });

export const WebhookListSchema = z.object({ data: z.array(WebhookSchema), next_cursor: z.string().nullable() }).openapi("WebhookList");

/** What a receiver gets: the body is signed exactly as sent. */
export const WebhookEventSchema = z
  .object({
    id: z.string().openapi({ example: "evt_42", description: "The event id, also in X-MachPay-Event-Id: the same on every retry, so receivers de-duplicate by it" }),
    type: z.string().openapi({ example: "settlement.failed" }),
    created_at: z.string().openapi({ format: "date-time" }),
    data: z.record(z.string(), z.unknown()),
  })
  .openapi("WebhookEvent");

export type WebhookDTO = z.infer<typeof WebhookSchema>;

export function toWebhookDTO(row: WebhookRow): WebhookDTO {
  return { id: row.id.toString(), url: row.url, events: row.events, created_at: row.created_at.toISOString() };
}
