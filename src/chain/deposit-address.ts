import type { Config } from "@/config";
import type { Actor } from "@/core/actor";
import { AppError } from "@/core/errors";
import { chainNotConfigured } from "./pda";
import { chainSettings } from "./settings";

// Where an agent sends USDC to fund itself: the vault, and the memo that names the agent when the
// sending wallet is not one MachPay knows as the agent's. The REST route and the MCP tool both
// answer with this.

export interface DepositAddress {
  vault_token_account: string;
  vault_owner: string;
  token_mint: string;
  decimals: number;
  memo: string;
}

export function depositAddressOf(config: Config, actor: Actor): DepositAddress {
  const settings = chainSettings(config);
  if (!settings) throw chainNotConfigured();
  if (actor.kind !== "user") throw new AppError("unauthorized", "sign in first");
  return {
    vault_token_account: settings.vaultTokenAccount,
    vault_owner: settings.vaultOwner,
    token_mint: settings.mint,
    decimals: config.USDC_DECIMALS,
    memo: `machpay:${actor.userId}`,
  };
}
