import { z } from "@hono/zod-openapi";

// x402 v2's facilitator messages (x402-specification-v2.md §5, §7): the bodies of POST
// /x402/verify and /x402/settle and the three answers. Strings are loose on purpose (bounded,
// never parsed here): an unknown network, another payTo or a malformed scheme payload is a
// payment refused with the spec's reason (isValid:false / success:false), not a 400. Only a body
// that is not these messages at all is 400 invalid_request.

const text = (max: number) => z.string().min(1).max(max);
const Extra = z.record(z.string(), z.unknown());

export const PaymentRequirementsSchema = z
  .object({
    scheme: text(64).openapi({ example: "batch-settlement" }),
    network: text(128).openapi({ description: "CAIP-2 network id", example: "machpay:mainnet" }),
    amount: text(64).openapi({ description: "Atomic units of the asset", example: "10000" }),
    asset: text(128).openapi({ description: "The token mint", example: "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v" }),
    payTo: text(128).openapi({ description: "exact: the vendor's wallet; batch-settlement: the vendor's linked gateway key" }),
    maxTimeoutSeconds: z.number().int().min(0).max(2_147_483_647),
    extra: Extra.optional(),
  })
  .openapi("X402PaymentRequirements");

export const PaymentPayloadSchema = z
  .object({
    x402Version: z.number().int().min(0).max(1000),
    resource: z.looseObject({ url: z.string().max(4096) }).optional(),
    accepted: PaymentRequirementsSchema,
    payload: Extra.openapi({
      description: "exact: {transaction: base64 of the partially signed Solana transaction}; batch-settlement: {intent: base64 of the 121-byte MachPay intent, signature: base58}",
    }),
    extensions: Extra.optional(),
  })
  .openapi("X402PaymentPayload");

export const FacilitatorRequestSchema = z
  .object({
    x402Version: z.number().int().min(0).max(1000).openapi({ example: 2 }),
    paymentPayload: PaymentPayloadSchema,
    paymentRequirements: PaymentRequirementsSchema,
  })
  .openapi("X402FacilitatorRequest");

export type FacilitatorRequest = z.infer<typeof FacilitatorRequestSchema>;

export const VerifyResponseSchema = z
  .object({
    isValid: z.boolean(),
    invalidReason: z.string().optional().openapi({ example: "insufficient_funds" }),
    invalidMessage: z.string().optional(),
    payer: z.string().optional().openapi({ description: "exact: the paying wallet; batch-settlement: the agent's key" }),
  })
  .openapi("X402VerifyResponse");

export const SettleResponseSchema = z
  .object({
    success: z.boolean(),
    errorReason: z.string().optional().openapi({ example: "invalid_machpay_nonce_already_used" }),
    errorMessage: z.string().optional(),
    payer: z.string().optional(),
    transaction: z.string().openapi({ description: "exact: the Solana signature; batch-settlement: the ledger transaction id (tx_...); empty when it failed" }),
    network: z.string(),
    amount: z.string().optional(),
  })
  .openapi("X402SettleResponse");

export const SupportedResponseSchema = z
  .object({
    kinds: z.array(z.object({ x402Version: z.number().int(), scheme: z.string(), network: z.string(), extra: Extra.optional() })),
    extensions: z.array(z.string()),
    signers: z.record(z.string(), z.array(z.string())).openapi({ description: "CAIP family → addresses that sign: the fee payer on solana:*" }),
  })
  .openapi("X402SupportedResponse");

export type VerifyAnswer = z.infer<typeof VerifyResponseSchema>;
export type SettleAnswer = z.infer<typeof SettleResponseSchema>;
export type SupportedAnswer = z.infer<typeof SupportedResponseSchema>;
