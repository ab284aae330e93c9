import type { Context } from "hono";
import { AppError } from "@/core/errors";
import { ctxOf } from "@/http/context";
import type { LedgerDeps } from "../deps";
import type { HonoEnv } from "@/http/env";
import { errorBody } from "@/http/errors";
import type { BondCtx } from "../accounts";
import type { PaymentOutcome } from "../engine/types";
import { requestHash, withIdempotency, type IdempotentAnswer } from "../idempotency";
import type { Sql, Tx } from "@/db/client";
import type { GatewayPayCtx } from "../pay";
import { toBalanceDTO, toTransactionDTO } from "../schemas";

export const payCtx = (deps: LedgerDeps, c: Context<HonoEnv>): GatewayPayCtx & BondCtx => ({
  ...ctxOf(deps, c),
  tokenMint: deps.config.USDC_MINT,
  payments: deps.payments,
  intentVerifier: deps.intentVerifier,
  minBond: deps.config.MIN_BOND_ATOMIC,
});

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * The request's Idempotency-Key, validated, with the hash that says "same request". `operation`
 * names what is done when two paths do the same (an alias): a key then means one request on both.
 */
export function idempotencyOf(c: Context<HonoEnv>, userId: bigint, body: unknown, operation = c.req.path) {
  const key = c.req.header("idempotency-key");
  if (key === undefined) return undefined;
  if (!KEY_PATTERN.test(key)) {
    throw new AppError("invalid_request", "Idempotency-Key must be 1-255 printable ASCII characters", {
      details: { issues: [{ field: "idempotency-key", location: "header", message: "invalid" }] },
    });
  }
  return { userId, key, requestHash: requestHash(c.req.method, operation, body) };
}

export const renderError = (c: Context<HonoEnv>) => (err: AppError): IdempotentAnswer => ({ status: err.status, body: errorBody(err, c.get("requestId")) });

/** The HTTP answer of a payment outcome; also what an Idempotency-Key stores. */
export function renderPayment(c: Context<HonoEnv>, mint: string, withBalance: boolean) {
  return (outcome: PaymentOutcome): IdempotentAnswer => {
    if (outcome.kind === "paid") {
      const transaction = toTransactionDTO(outcome.transaction);
      return { status: 201, body: withBalance ? { transaction, balance: toBalanceDTO(outcome.balance, mint) } : { transaction } };
    }
    if (outcome.kind === "replay") return { status: outcome.status, body: outcome.body };
    return renderError(c)(outcome.error);
  };
}

/**
 * Sends an answer; a refusal goes through the one error path (headers such as Retry-After included).
 * Typed `never` for the route: a replay carries the stored status and body, which a route's typed
 * responses cannot express (they are the same shapes, stored earlier).
 */
export function answer(c: Context<HonoEnv>, outcome: PaymentOutcome, rendered: IdempotentAnswer): never {
  if (outcome.kind === "refused") throw outcome.error;
  return send(c, rendered, outcome.kind === "replay");
}

export function send(c: Context<HonoEnv>, rendered: IdempotentAnswer, replayed = false): never {
  if (replayed) c.header("Idempotent-Replayed", "true");
  // SAFETY: see answer(); the status is one the route declares.
  return c.json(rendered.body as object, rendered.status as 200) as never;
}

/**
 * Runs a money-moving operation (not the batched payment path) under the request's
 * Idempotency-Key when it carries one, and sends its answer (replays marked as such).
 */
export async function sendIdempotent(
  c: Context<HonoEnv>,
  pool: Sql,
  userId: bigint,
  body: unknown,
  run: (sql: Tx) => Promise<IdempotentAnswer>,
  operation?: string,
): Promise<never> {
  const key = idempotencyOf(c, userId, body, operation);
  if (!key) return send(c, await run(pool));
  const result = await withIdempotency(pool, key, run, renderError(c));
  return send(c, result, result.replayed);
}
