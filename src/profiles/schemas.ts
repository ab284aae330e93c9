import { z } from "@hono/zod-openapi";
import { WalletAddressSchema } from "@/core/solana";
import { AtomicAmountSchema } from "@/core/number-schemas";
import type { ProfileRow } from "./queries";


const AgentProfileInput = z.object({
  type: z.literal("agent"),
  name: z.string().trim().min(1).max(100),
  description: z.string().max(2000).optional(),
});

const VendorProfileInput = z.object({
  type: z.literal("vendor"),
  name: z.string().trim().min(1).max(100),
  description: z.string().max(2000).optional(),
  service_type: z.string().trim().min(1).max(50).openapi({ example: "inference-llama3" }),
  withdrawal_address: WalletAddressSchema,
  base_price_atomic: AtomicAmountSchema,
});

export const CreateProfileSchema = z
  .discriminatedUnion("type", [AgentProfileInput, VendorProfileInput])
  .openapi("CreateProfileRequest", { example: { type: "agent", name: "Research agent", description: "Buys model calls for a research pipeline" } });
export type CreateProfileInput = z.infer<typeof CreateProfileSchema>;

export const ProfileSchema = z
  .object({
    user_id: z.string(),
    type: z.enum(["agent", "vendor"]),
    name: z.string(),
    description: z.string().nullable(),
    service_type: z.string().nullable(),
    withdrawal_address: z.string().nullable(),
    base_price_atomic: z.string().nullable(),
    created_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Profile", {
    example: {
      user_id: "42",
      type: "vendor",
      name: "Llama inference",
      description: "Llama 3 70B chat completions",
      service_type: "inference-llama3",
      withdrawal_address: "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU",
      base_price_atomic: "5000",
      created_at: "2026-12-03T08:00:00.000Z",
    },
  });

export type ProfileDTO = z.infer<typeof ProfileSchema>;

export function toProfileDTO(row: ProfileRow): ProfileDTO {
  return {
    user_id: row.user_id.toString(),
    type: row.type,
    name: row.name,
    description: row.description,
    service_type: row.service_type,
    withdrawal_address: row.withdrawal_address,
    base_price_atomic: row.base_price_atomic === null ? null : row.base_price_atomic.toString(),
    created_at: row.created_at.toISOString(),
  };
}
