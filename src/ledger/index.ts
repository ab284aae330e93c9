// The ledger: the only writer of money tables.
export { registerLedgerRoutes } from "./routes";
export { getAgentBalance, agentStanding, type AgentBalance, type LedgerCtx } from "./balance";
export { BalanceSchema } from "./schemas";
