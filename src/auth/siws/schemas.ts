import { z } from "@hono/zod-openapi";
import { SignatureSchema, WalletAddressSchema } from "@/core/solana";

// Request and response shapes of the SIWS routes. Format checks live here so that a malformed
// address or signature is a 400 invalid_request naming the field, before any lookup.

export { WalletAddressSchema };

export const ChallengeRequestSchema = z.object({ address: WalletAddressSchema }).openapi("ChallengeRequest");

export const ChallengeSchema = z
  .object({
    nonce: z.string().openapi({ description: "22 base62 characters (over 128 random bits); single use, bound to the address", example: "4fQ7Zr0kXbN2yTq8WcLm9a" }),
    expiresAt: z.number().int().openapi({ description: "When the nonce expires, unix seconds (5 minutes after issue)" }),
    message: z.string().openapi({
      description: "A ready Sign-In-With-Solana message carrying the nonce; a wallet can sign it as is (signMessage or signIn)",
    }),
  })
  .openapi("Challenge");

export const WalletLoginRequestSchema = z
  .object({
    address: WalletAddressSchema,
    signature: SignatureSchema,
    message: z.string().min(1).max(8192).optional().openapi({
      description:
        "The signed SIWS message: the one from the challenge, or one a wallet built from the challenge's fields (all of them, unchanged; Not Before, Request ID and Resources may be added)",
    }),
    nonce: z.string().min(1).max(64).optional().openapi({
      description: "Only without `message`: the issued nonce, when the signature is over the nonce string itself (UTF-8)",
    }),
  })
  .superRefine((body, ctx) => {
    if (body.message === undefined && body.nonce === undefined) {
      ctx.addIssue({ code: "custom", path: ["nonce"], message: "required when message is absent (the signature is then over the nonce)" });
    }
  })
  .openapi("WalletLoginRequest");

export type ChallengeDTO = z.infer<typeof ChallengeSchema>;
export type WalletLoginInput = z.infer<typeof WalletLoginRequestSchema>;
