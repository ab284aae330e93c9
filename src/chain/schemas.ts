import { z } from "@hono/zod-openapi";
import { isBase58Signature } from "@/core/solana";
import { BalanceSchema } from "@/ledger";

export const DepositRequestSchema = z
  .object({ txHash: z.string().refine(isBase58Signature, "expected a base58 transaction signature").openapi({ description: "The Solana transaction that moved USDC into the vault" }) })
  .openapi("DepositRequest");

export const DepositResultSchema = z
  .object({
    status: z.enum(["credited", "already_credited"]),
    tx_signature: z.string(),
    amount_atomic: z.string(),
    balance: BalanceSchema,
  })
  .openapi("DepositResult");

export const DepositAddressSchema = z
  .object({
    vault_token_account: z.string().openapi({ description: "Send USDC (transferChecked) to this token account" }),
    vault_owner: z.string(),
    token_mint: z.string(),
    decimals: z.number().int(),
    memo: z.string().openapi({ example: "machpay:42", description: "Add this memo when sending from a wallet that is not yours on MachPay" }),
  })
  .openapi("DepositAddress");
