import type { Network } from "@x402/core/types";

// MachPay's network ids in x402 (CAIP-2 style, `namespace:reference`): `machpay:<cluster>`, the
// MachPay ledger that settles to that Solana cluster (mainnet, devnet, testnet or localnet). The
// reference names the cluster because it is what makes two MachPay ledgers different worlds: keys,
// balances and nonces of one mean nothing to the other.

export const BATCH_SETTLEMENT = "batch-settlement";
export const MACHPAY_NAMESPACE = "machpay";
/** The family pattern a facilitator lists its (no) signers under. */
export const MACHPAY_FAMILY = "machpay:*";

export type MachPayCluster = "mainnet" | "devnet" | "testnet" | "localnet";

export const machpayNetwork = (cluster: MachPayCluster): Network => `${MACHPAY_NAMESPACE}:${cluster}`;

/** `machpay:` and a CAIP-2 reference ([-_a-zA-Z0-9]{1,32}). */
export const isMachPayNetwork = (network: string): network is Network => /^machpay:[-_a-zA-Z0-9]{1,32}$/.test(network);

/** USDC (6 decimals) on the clusters MachPay settles to; the local chain uses mainnet's address. */
export const USDC_MINTS = {
  mainnet: "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v",
  devnet: "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU",
} as const;

export const USDC_DECIMALS = 6;

/** The USDC mint a `$` price means on this MachPay network. */
export function usdcMintOf(network: string): string {
  return network === machpayNetwork("devnet") || network === machpayNetwork("testnet") ? USDC_MINTS.devnet : USDC_MINTS.mainnet;
}

/** USDC as x402's spend controls know a default asset (for `$` caps): on MachPay networks only. */
export function findUsdc(asset: string, network: string): { asset: string; decimals: number; symbol: string } | undefined {
  if (!isMachPayNetwork(network)) return undefined;
  return asset === USDC_MINTS.mainnet || asset === USDC_MINTS.devnet ? { asset, decimals: USDC_DECIMALS, symbol: "USDC" } : undefined;
}
