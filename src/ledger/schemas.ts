import { z } from "@hono/zod-openapi";

const atomic = (description: string) => z.string().regex(/^\d+$/).openapi({ description, example: "25000000" });

export const BalanceSchema = z
  .object({
    available_atomic: atomic("Spendable now"),
    bonded_atomic: atomic("Staked as a bond; not spendable until withdrawn"),
    pending_atomic: atomic("Signed intents awaiting settlement on chain"),
    token_mint: z.string().openapi({ description: "The mint the amounts are in (USDC: 6 decimals)" }),
  })
  .openapi("Balance");
