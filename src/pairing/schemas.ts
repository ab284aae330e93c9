import { z } from "@hono/zod-openapi";
import { SignatureSchema, WalletAddressSchema } from "@/core/solana";

const Kind = z.enum(["agent", "vendor"]).openapi({ description: "agent: an agent CLI/SDK key; vendor: a vendor gateway key" });
// Nullable as z.union([ProfileRef, z.null()]): zod-openapi renders `.nullable()` of a named schema as a reference that refuses null.
const ProfileRef = z.object({ type: Kind, name: z.string() }).openapi("ProfileRef");

export const LinkInitRequestSchema = z
  .object({
    pubkey: WalletAddressSchema,
    kind: Kind,
    timestamp: z.number().int().openapi({ description: "Unix seconds; within 5 minutes of the server's clock" }),
    signature: SignatureSchema.openapi({ description: "Ed25519 by the key over `machpay-link-init:<kind>:<pubkey>:<timestamp>`, base58" }),
  })
  .openapi("LinkInitRequest", { example: { pubkey: "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU", kind: "agent", timestamp: 1764748800, signature: "5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW" } });

export const LinkInitSchema = z
  .object({
    code: z.string().openapi({ example: "BCDF-GHJK", description: "What the person types or follows; expires in 10 minutes" }),
    device_code: z.string().openapi({ description: "Secret: only the device polls with it" }),
    link_url: z.string().openapi({ example: "http://localhost:8081/console/link?code=BCDF-GHJK" }),
    expires_at: z.string().openapi({ format: "date-time" }),
    expires_in: z.number().int(),
    interval: z.number().int().openapi({ description: "Seconds between polls of GET /v1/link/status" }),
  })
  .openapi("LinkInit", {
    example: {
      code: "BCDF-GHJK",
      device_code: "dc_9Xq2Lm7Vt4Rb8Nw1Kp6Zs3Hy",
      link_url: "http://localhost:8081/console/link?code=BCDF-GHJK",
      expires_at: "2026-12-03T08:10:00.000Z",
      expires_in: 600,
      interval: 5,
    },
  });

export const LinkApproveRequestSchema = z.object({ code: z.string().min(1).max(20) }).openapi("LinkApproveRequest", { example: { code: "BCDF-GHJK" } });

export const LinkApprovedSchema = z
  .object({ status: z.literal("approved"), kind: Kind, pubkey: z.string(), profile: ProfileRef })
  .openapi("LinkApproved", { example: { status: "approved", kind: "agent", pubkey: "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU", profile: { type: "agent", name: "Research agent" } } });

export const LinkStatusSchema = z
  .object({
    status: z.enum(["pending", "approved", "expired"]),
    profile: z.union([ProfileRef, z.null()]),
    expires_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("LinkStatus", { example: { status: "approved", profile: { type: "agent", name: "Research agent" }, expires_at: "2026-12-03T08:10:00.000Z" } });

export const LinkRequestViewSchema = z
  .object({
    code: z.string(),
    kind: Kind,
    pubkey: z.string(),
    status: z.enum(["pending", "approved", "expired"]),
    expires_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("LinkRequestView", { example: { code: "BCDF-GHJK", kind: "agent", pubkey: "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU", status: "pending", expires_at: "2026-12-03T08:10:00.000Z" } });

export const DeviceLinkSchema = z
  .object({ pubkey: z.string(), linked: z.boolean(), kind: Kind.nullable(), profile: z.union([ProfileRef, z.null()]) })
  .openapi("DeviceLink", { example: { pubkey: "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU", linked: true, kind: "agent", profile: { type: "agent", name: "Research agent" } } });

