// Solana: deposits, the vault indexer, payout settlement, endpoint PDA proofs (lld-backend.md §4).
import { readingOf, type BacklogProbe } from "@/http/backlog-metrics";
import { vaultCheckpointAge } from "./queries";
export { Chain, type Commitment, type ParsedTransaction } from "./rpc";
import type { Module, Runs } from "@/http/module";
import { newRouter } from "@/http/router";
import type { ChainDeps } from "./deps";
import { registerChainRoutes } from "./routes";
import { startChainWorkers } from "./workers";

export type { ChainDeps } from "./deps";
export { startChainWorkers } from "./workers";

/** Deposits by signature, and (as workers) the vault indexer and the settlement of payouts. */
export function chainModule(deps: ChainDeps): Module & Runs {
  const router = newRouter();
  registerChainRoutes(router, deps);
  return { router, start: () => startChainWorkers(deps) };
}

export { claimDeposit, inspectDeposit, type ChainSettings, type DepositCtx } from "./deposits";
export { indexVaultOnce } from "./indexer";
export { settleOnce, type SettlementCtx } from "./settlement-worker";
export { verifyEndpointPda, type PdaCheck } from "./pda";
export { chainSettings } from "./settings";
export { depositAddressOf, type DepositAddress } from "./deposit-address";
export { buildPayoutTransaction } from "./payout-tx";
export { hotWalletSigner, clusterNetwork } from "./identity";

/** The vault indexer's lag on /metrics (worker="vault_indexer"): the age of its checkpoint. */
export const vaultIndexerBacklog: BacklogProbe = { worker: "vault_indexer", read: async (sql) => readingOf(await vaultCheckpointAge(sql)) };
