// The ledger: the only writer of money tables.
import { BACKLOG_COUNT_CAP, readingOf, type BacklogProbe } from "@/http/backlog-metrics";
import { paymentEventBacklog } from "./queries/payment-events";
import type { Module } from "@/http/module";
import { newRouter } from "@/http/router";
import type { LedgerDeps } from "./deps";
import { registerLedgerRoutes } from "./routes";

export type { LedgerDeps } from "./deps";

/** The ledger's routes: agents' balances and payments, gateways' intents, the admin audit. */
export function ledgerModule(deps: LedgerDeps): Module {
  const router = newRouter();
  registerLedgerRoutes(router, deps);
  return { router };
}

export { requireAdmin } from "./routes/admin";
export { getAgentBalance, agentStanding, type AgentBalance, type LedgerCtx } from "./balance";
export { creditDeposit, depositOwner, depositBond, withdrawBond } from "./accounts";
export { payFromApi, payFromGateway, authorizeGatewayIntent, type PayCtx, type GatewayPayCtx } from "./pay";
export { previewGatewayPayment, recordOnchainPayment, type PreviewedPayment } from "./x402";
export { PaymentEngine, type EngineOptions } from "./engine/engine";
export type { PaymentOutcome, PaymentRequest } from "./engine/types";
export { auditLedger } from "./audit";
export { relayPaymentEvents, type PaidPayment } from "./payment-events";
export { confirmIntent, failIntent, type FailedIntent } from "./settlement";
export { reserveForPayout, returnToVendor, lockVendor, vendorBalance, type VendorBalance } from "./vendor-balance";
export { withIdempotency, idempotencyStore } from "./idempotency";
export { encodeIntent, decodeIntent, INTENT_LENGTH } from "./intent";
export { createIntentVerifier, type IntentVerifier } from "./intent-verifier";
export { BalanceSchema, TransactionSchema, toTransactionDTO, PositiveAtomicSchema } from "./schemas";
export { payAsAgent, agentPaymentKey, type AgentPaymentBody } from "./agent-payment";
export { getMyBalance } from "./balance";
export { getLimits, listTransactions } from "./accounts";
export { toBalanceDTO, type TransactionDTO } from "./schemas";


/** The payment event relay's backlog on /metrics (worker="payment_events"): batches whose events wait. */
export const paymentEventsBacklog: BacklogProbe = { worker: "payment_events", read: async (sql) => readingOf(await paymentEventBacklog(sql, BACKLOG_COUNT_CAP)) };
