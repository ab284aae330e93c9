import { z } from "@hono/zod-openapi";
import { SignatureSchema, WalletAddressSchema } from "@/core/solana";

// Request and response shapes of the SIWS routes. Format checks live here so that a malformed
// address or signature is a 400 invalid_request naming the field, before any lookup.

export { WalletAddressSchema };

export const ChallengeRequestSchema = z.object({ address: WalletAddressSchema }).openapi("ChallengeRequest", { example: { address: "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU" } });

// The shape of a challenge's message, for the reference (/docs); the server builds the real one.
const CHALLENGE_MESSAGE_EXAMPLE = "localhost:8081 wants you to sign in with your Solana account:\n7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU\n\nSign in to MachPay\n\nURI: http://localhost:8081\nVersion: 1\nChain ID: mainnet\nNonce: 4fQ7Zr0kXbN2yTq8WcLm9a\nIssued At: 2026-12-03T08:00:00Z\nExpiration Time: 2026-12-03T08:05:00Z";

export const ChallengeSchema = z
  .object({
    nonce: z.string().openapi({ description: "22 base62 characters (over 128 random bits); single use, bound to the address", example: "4fQ7Zr0kXbN2yTq8WcLm9a" }),
    expires_at: z.number().int().openapi({ description: "When the nonce expires, unix seconds (5 minutes after issue)", example: 1764752700 }),
    // Kept for clients written before expires_at (every other field is snake_case); same value.
    expiresAt: z.number().int().openapi({ description: "Deprecated: the same value as `expires_at`, kept for older clients; read `expires_at`.", deprecated: true, example: 1764752700 }),
    message: z.string().openapi({
      description: "A ready Sign-In-With-Solana message carrying the nonce; a wallet can sign it as is (signMessage or signIn)",
    }),
  })
  .openapi("Challenge", { example: { nonce: "4fQ7Zr0kXbN2yTq8WcLm9a", expires_at: 1764749100, expiresAt: 1764749100, message: CHALLENGE_MESSAGE_EXAMPLE } });

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
  .openapi("WalletLoginRequest", { example: { address: "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU", signature: "5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW", message: CHALLENGE_MESSAGE_EXAMPLE } });

export type ChallengeDTO = z.infer<typeof ChallengeSchema>;
export type WalletLoginInput = z.infer<typeof WalletLoginRequestSchema>;
