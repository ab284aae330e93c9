// Solana: deposits, the vault indexer, payout settlement, endpoint PDA proofs (lld-backend.md §4).
export { Chain, type Commitment, type ParsedTransaction } from "./rpc";
export { registerChainRoutes } from "./routes";
export { startChainWorkers } from "./workers";
export { claimDeposit, inspectDeposit, type ChainSettings, type DepositCtx } from "./deposits";
export { indexVaultOnce } from "./indexer";
export { settleOnce, type SettlementCtx } from "./settlement-worker";
export { verifyEndpointPda, type PdaCheck } from "./pda";
export { chainSettings } from "./settings";
export { buildPayoutTransaction } from "./payout-tx";
