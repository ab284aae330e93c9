import { z } from "@hono/zod-openapi";
import { isBase58Signature } from "@/core/solana";
import { BalanceSchema } from "@/ledger";

export const DepositRequestSchema = z
  .object({ txHash: z.string().refine(isBase58Signature, "expected a base58 transaction signature").openapi({ description: "The Solana transaction that moved USDC into the vault" }) })
  .openapi("DepositRequest", { example: { txHash: "5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW" } });

export const DepositResultSchema = z
  .object({
    status: z.enum(["credited", "already_credited"]),
    tx_signature: z.string(),
    amount_atomic: z.string(),
    balance: BalanceSchema,
  })
  .openapi("DepositResult", {
    example: {
      status: "credited",
      tx_signature: "5VERv8NMvzbJMEkV8xnrLkEaWRtSz9CosKDYjCJjBRnbJLgp8uirBgmQpjKhoR4tjF3ZpRzrFmBV6UjKdiSZkQUW",
      amount_atomic: "25000000",
      balance: { available_atomic: "25000000", bonded_atomic: "0", pending_atomic: "0", token_mint: "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v" },
    },
  });

export const DepositAddressSchema = z
  .object({
    vault_token_account: z.string().openapi({ description: "Send USDC (transferChecked) to this token account" }),
    vault_owner: z.string(),
    token_mint: z.string(),
    decimals: z.number().int(),
    memo: z.string().openapi({ example: "machpay:42", description: "Add this memo when sending from a wallet that is not yours on MachPay" }),
  })
  .openapi("DepositAddress", {
    example: {
      vault_token_account: "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM",
      vault_owner: "Fg6PaFpoGXkYsidMpWTK6W2BeZ7FEfcYkg476zPFsLnS",
      token_mint: "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
      decimals: 6,
      memo: "machpay:42",
    },
  });
