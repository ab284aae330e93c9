import type { Config } from "@/config";
import type { ChainSettings } from "./deposits";

/** The chain settings, or undefined when this server has no vault configured. */
export function chainSettings(config: Config): ChainSettings | undefined {
  if (!config.VAULT_TOKEN_ACCOUNT || !config.VAULT_OWNER) return undefined;
  return { mint: config.USDC_MINT, vaultTokenAccount: config.VAULT_TOKEN_ACCOUNT, vaultOwner: config.VAULT_OWNER, commitment: config.SOLANA_COMMITMENT };
}
