import type { Context } from "hono";
import { ctxOf } from "@/http/context";
import type { HonoEnv } from "@/http/env";
import { errorBody } from "@/http/errors";
import { sendAnswer, type IdempotentAnswer } from "@/http/idempotency";
import type { BondCtx } from "../accounts";
import type { LedgerDeps } from "../deps";
import type { PaymentOutcome } from "../engine/types";
import type { GatewayPayCtx } from "../pay";
import { toBalanceDTO, toTransactionDTO } from "../schemas";

export const payCtx = (deps: LedgerDeps, c: Context<HonoEnv>): GatewayPayCtx & BondCtx => ({
  ...ctxOf(deps, c),
  tokenMint: deps.config.USDC_MINT,
  payments: deps.payments,
  intentVerifier: deps.intentVerifier,
  minBond: deps.config.MIN_BOND_ATOMIC,
});

/** A payment's outcome as the answer POST /v1/gateway/payments (or /v1/agent/pay) gives for it. */
export function paymentAnswer(outcome: PaymentOutcome, requestId: string, options: { mint: string; withBalance: boolean }): IdempotentAnswer & { replayed: boolean } {
  if (outcome.kind === "replay") return { status: outcome.status, body: outcome.body, replayed: true };
  if (outcome.kind === "refused") {
    return { status: outcome.error.status, body: errorBody(outcome.error, (outcome.replayed && outcome.requestId) || requestId), replayed: outcome.replayed === true };
  }
  const transaction = toTransactionDTO(outcome.transaction);
  const body = options.withBalance ? { transaction, balance: toBalanceDTO(outcome.balance, options.mint) } : { transaction };
  return { status: 201, body, replayed: outcome.replayed === true };
}

/**
 * The one place a payment's outcome becomes an HTTP answer: the first answer and every replay of
 * it under its Idempotency-Key alike (the engine stores outcomes, never answers). A first refusal
 * goes through the one error path, headers such as Retry-After included; a replayed one names the
 * request that was refused first.
 */
export function sendPayment(c: Context<HonoEnv>, outcome: PaymentOutcome, options: { mint: string; withBalance: boolean }): never {
  if (outcome.kind === "refused" && !outcome.replayed) throw outcome.error;
  if (outcome.kind === "paid") {
    c.set("logFields", { ...c.get("logFields"), transaction_id: outcome.transaction.id, amount_atomic: outcome.transaction.amount_atomic.toString() });
  }
  const answer = paymentAnswer(outcome, c.get("requestId"), options);
  return sendAnswer(c, answer, answer.replayed);
}
