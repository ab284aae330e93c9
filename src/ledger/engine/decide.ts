import type { AppError } from "@/core/errors";
import type { AgentState } from "./queries";
import type { PaymentRequest } from "./types";
import { agentSuspended, bondInsufficient, insufficientFunds, limitExceeded, notAnAgent, vendorNotAllowed } from "./errors";

/**
 * The rules of one payment against an agent's running state, in batch order. Pure: it mutates
 * only the in-memory state the batch carries, and the database's CHECKs stand behind it.
 */
export function decide(agent: AgentState | undefined, p: PaymentRequest): AppError | undefined {
  if (!agent || !agent.is_agent) return notAnAgent();
  if (agent.status !== "ACTIVE") return agentSuspended();
  if (agent.per_payment_max !== null && p.amount > agent.per_payment_max) {
    return limitExceeded("per_payment_max", { per_payment_max_atomic: agent.per_payment_max.toString(), amount_atomic: p.amount.toString() });
  }
  if (agent.allowed_vendor_ids !== null && !agent.allowed_vendor_ids.some((v) => BigInt(v) === p.vendorId)) {
    return vendorNotAllowed(p.vendorId);
  }
  if (agent.daily_max !== null && agent.spent_today + p.amount > agent.daily_max) {
    return limitExceeded("daily_max", {
      daily_max_atomic: agent.daily_max.toString(),
      spent_today_atomic: agent.spent_today.toString(),
      amount_atomic: p.amount.toString(),
    });
  }
  // Only a signed intent can be settled on chain; an on-chain agent's API payment is paid from its balance.
  if (agent.settlement_mode === "onchain" && p.intent) {
    if (agent.pending + p.amount > agent.bonded) return bondInsufficient(agent.bonded, agent.pending, p.amount);
    agent.pending += p.amount;
  } else {
    if (agent.balance < p.amount) return insufficientFunds(agent.balance, p.amount);
    agent.balance -= p.amount;
  }
  agent.spent_today += p.amount;
  return undefined;
}

/** Platform fee in basis points, rounded down: the vendor never receives less than amount - fee. */
export const feeOf = (amount: bigint, bps: number) => (amount * BigInt(bps)) / 10_000n;
