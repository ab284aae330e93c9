import type { Context } from "hono";
import { ctxOf } from "@/http/context";
import type { HonoEnv } from "@/http/env";
import { errorBody } from "@/http/errors";
import { sendAnswer } from "@/http/idempotency";
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

/**
 * The one place a payment's outcome becomes an HTTP answer: the first answer and every replay of
 * it under its Idempotency-Key alike (the engine stores outcomes, never answers). A first refusal
 * goes through the one error path, headers such as Retry-After included; a replayed one names the
 * request that was refused first.
 */
export function sendPayment(c: Context<HonoEnv>, outcome: PaymentOutcome, options: { mint: string; withBalance: boolean }): never {
  if (outcome.kind === "replay") return sendAnswer(c, { status: outcome.status, body: outcome.body }, true);
  if (outcome.kind === "refused") {
    if (!outcome.replayed) throw outcome.error;
    return sendAnswer(c, { status: outcome.error.status, body: errorBody(outcome.error, outcome.requestId ?? c.get("requestId")) }, true);
  }
  c.set("logFields", { ...c.get("logFields"), transaction_id: outcome.transaction.id, amount_atomic: outcome.transaction.amount_atomic.toString() });
  const transaction = toTransactionDTO(outcome.transaction);
  const body = options.withBalance ? { transaction, balance: toBalanceDTO(outcome.balance, options.mint) } : { transaction };
  return sendAnswer(c, { status: 201, body }, outcome.replayed === true);
}
