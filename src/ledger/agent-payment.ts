import { requestHash, type IdempotencyKey } from "@/http/idempotency";
import type { PaymentOutcome } from "./engine/types";
import { earlierAnswer } from "./idempotency";
import { payFromApi, type PayCtx } from "./pay";

// An agent paying from its balance, whichever door it comes through: POST /v1/agent/pay and the
// MCP `pay` tool (src/mcp) call this one verb. Under an Idempotency-Key "the same request" is
// hashed as POST /v1/agent/pay hashes it, so one key names one payment over both doors: a retry
// through MCP of a payment first sent over REST (or the reverse) replays it, never pays again.

/** What POST /v1/agent/pay takes, in the order its schema gives (the request hash reads it as JSON). */
export interface AgentPaymentBody {
  to: string;
  amount_atomic: string;
  reference?: string | undefined;
}

export const AGENT_PAY_PATH = "/v1/agent/pay";

/** The Idempotency-Key of an agent payment, hashed as the REST route hashes it. */
export function agentPaymentKey(userId: bigint, key: string, body: AgentPaymentBody): IdempotencyKey {
  const canonical = body.reference === undefined ? { to: body.to, amount_atomic: body.amount_atomic } : { to: body.to, amount_atomic: body.amount_atomic, reference: body.reference };
  return { userId, key, requestHash: requestHash("POST", AGENT_PAY_PATH, canonical) };
}

/**
 * Pays, or answers what a key's earlier request got: the stored outcome is looked up before the
 * payment's own checks, so a retry gets the first answer even when they would refuse it now.
 */
export async function payAsAgent(
  ctx: PayCtx,
  input: { body: AgentPaymentBody; receivedAt: number; idempotency?: (IdempotencyKey & { requestId: string }) | undefined },
): Promise<PaymentOutcome> {
  const key = input.idempotency;
  return (
    (key && (await earlierAnswer(ctx.sql, key))) ||
    (await payFromApi(ctx, {
      to: input.body.to,
      amount: BigInt(input.body.amount_atomic),
      reference: input.body.reference,
      receivedAt: input.receivedAt,
      ...(key ? { idempotency: key } : {}),
    }))
  );
}
