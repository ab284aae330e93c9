import { AppError } from "@/core/errors";

// The refusals a payment can meet, with their stable codes and statuses.

export const insufficientFunds = (available: bigint, amount: bigint) =>
  new AppError("insufficient_funds", `available balance ${available} is below the payment's ${amount} (atomic units)`, {
    details: { available_atomic: available.toString(), amount_atomic: amount.toString() },
  });

export const bondInsufficient = (bonded: bigint, pending: bigint, amount: bigint) =>
  new AppError("bond_insufficient", "an on-chain agent's unsettled intents may not exceed its bond", {
    details: { bonded_atomic: bonded.toString(), pending_atomic: pending.toString(), amount_atomic: amount.toString() },
  });

export const agentSuspended = () =>
  new AppError("agent_suspended", "this agent is suspended after a failed settlement; contact support");

export const notAnAgent = () => new AppError("agent_not_found", "the paying user has no agent profile");

export const limitExceeded = (limit: string, details: Record<string, string>) =>
  new AppError("limit_exceeded", `the payment exceeds the agent's ${limit} limit`, { details: { limit, ...details } });

export const vendorNotAllowed = (vendorId: bigint) =>
  new AppError("limit_exceeded", "this vendor is not in the agent's allowed_vendor_ids", {
    details: { limit: "allowed_vendor_ids", vendor_id: vendorId.toString() },
  });

export const vendorGone = () => new AppError("vendor_not_found", "the vendor has no vendor profile any more");

export const nonceUsed = () =>
  new AppError("nonce_already_used", "this intent's (agent, nonce) was submitted before; sign a new intent");

export const idempotencyConflict = () =>
  new AppError("idempotency_conflict", "this Idempotency-Key was used with a different request");

export const idempotencyInProgress = () =>
  new AppError("idempotency_in_progress", "a request with this Idempotency-Key is still being processed; retry shortly", {
    headers: { "Retry-After": "1" },
  });

/** The database connection was lost with the batch's COMMIT in flight, and the database cannot say yet. */
export const paymentOutcomeUnknown = () =>
  new AppError(
    "payment_outcome_unknown",
    "the database connection was lost while this payment was being committed; it may have been made. Look it up (GET /v1/agent/transactions) before paying again, or retry with the same Idempotency-Key",
  );

/** The payment could not reach COMMIT before its deadline: nothing was written, and nothing will be. */
export const paymentDeadlineExceeded = (deadlineMs: number) =>
  new AppError(
    "payment_deadline_exceeded",
    `the payment could not be committed within ${deadlineMs} ms and was not made; retry it, with the same Idempotency-Key`,
    { headers: { "Retry-After": "1" }, details: { deadline_ms: deadlineMs } },
  );
