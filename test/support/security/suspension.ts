import type { AccessRule } from "@/http/guards";
import type { Operation } from "../fuzz/spec";
import { familyOf, rightUser } from "./cases";
import type { SecurityCast } from "./cast";
import { bearer, type Caller } from "./send";

// A suspended account (users.status = 'SUSPENDED', what a failed settlement does to an agent,
// contract.md) tried on every operation it could call, with each credential it holds. What the
// app answers today is written down per operation below, so that a change shows; an operation
// that moves money must refuse and change nothing.

export type Outcome =
  /** Gets past the guards, as an active account would. */
  | "passes"
  /** Refused with this status and code, nothing changed but the tables named (with why). */
  | { status: number; code: string; mayChange?: Record<string, string> }
  /** A batch (200, one result per item): no item paid, the first refused with this status and code. */
  | { batch: { status: number; code: string }; mayChange?: Record<string, string> }
  /** An x402 facilitator's refusal: 200 with isValid:false or success:false and this reason, nothing changed but the tables named. */
  | { x402: { reason: string }; mayChange?: Record<string, string> }
  /**
   * Must be refused but is not today: run as a known failure (test.failing), asserting only a 403
   * and nothing changed, so that any fix flips it and this table is updated with the fix's code.
   */
  | { defect: string };

export interface SuspendedCase {
  name: string;
  /** Whose suspension is tried: the caller's own, or (gateway payments) the paying agent's. */
  who: "caller" | "payer";
  suspend: (cast: SecurityCast) => bigint[];
  caller: (cast: SecurityCast) => Caller;
}

/**
 * Operations that take money out of an account, and whose: a suspended account must be refused
 * there, and nothing change. A gateway payment takes it from the paying agent, not the vendor.
 */
export const MONEY_LEAVES: Record<string, SuspendedCase["who"]> = {
  pay: "caller",
  depositBond: "caller",
  withdrawBond: "caller",
  submitGatewayPayment: "payer",
  submitGatewayPaymentBatch: "payer",
  settleX402Payment: "payer",
  requestPayout: "caller",
  requestWithdrawal: "caller",
};

export function suspendedCases(op: Operation, rule: AccessRule): SuspendedCase[] {
  if (familyOf(rule) !== "user") return [];
  const user = (c: SecurityCast) => rightUser(rule, c);
  const own = (c: SecurityCast) => [user(c).user.id];
  const out: SuspendedCase[] = [];
  const c = rule.credentials;
  if (c.includes("jwt")) out.push({ name: "its session", who: "caller", suspend: own, caller: (s) => bearer(user(s).jwt) });
  if (c.includes("api_key") || c.includes("gateway_key")) out.push({ name: "its API key", who: "caller", suspend: own, caller: (s) => bearer(user(s).key) });
  if (c.includes("device") && op.method === "GET") out.push({ name: "its device", who: "caller", suspend: own, caller: (s) => ({ kind: "device", wallet: user(s).device }) });
  if (op.id === "submitGatewayPayment" || op.id === "submitGatewayPaymentBatch" || op.id === "verifyX402Payment" || op.id === "settleX402Payment") {
    out.push({ name: "the paying agent suspended, through an active gateway", who: "payer", suspend: (s) => [s.architect.user.id], caller: (s) => bearer(s.operator.key) });
  }
  return out;
}

const passes = { caller: "passes" } as const;
const SUSPENDED_AGENT = { status: 403, code: "agent_suspended" };
const SUSPENDED_ACCOUNT = { status: 403, code: "account_suspended" };

/**
 * What a suspended account gets today, per operation: with its own credentials, and (gateway
 * payments) when the agent paying is the one suspended. Money that leaves an account (payments,
 * bond moves, payouts) is refused; reads, settings and keys stay open, so that the account's owner
 * can see what happened and rotate a key, which this table records.
 */
export const SUSPENDED: Record<string, { caller: Outcome; payer?: Outcome }> = {
  listAgentKeys: passes,
  createAgentKey: passes,
  revokeAgentKey: passes,
  listGatewayKeys: passes,
  createGatewayKey: passes,
  revokeGatewayKey: passes,
  whoAmI: passes,
  createProfile: passes,
  getProfile: passes,
  approveLink: passes,
  getLinkRequest: passes,
  getAgentBalance: passes,
  listAgentTransactions: passes,
  pay: { caller: SUSPENDED_AGENT },
  depositBond: { caller: SUSPENDED_AGENT },
  withdrawBond: { caller: SUSPENDED_AGENT },
  getAgentLimits: passes,
  setAgentLimits: passes,
  getAgentSettings: passes,
  setAgentSettings: passes,
  submitGatewayPayment: {
    // Only agents are suspended by the system (contract.md); a vendor an operator suspended keeps
    // earning (the agent paid for a call it got) and takes nothing out (requestPayout below).
    caller: "passes",
    payer: { ...SUSPENDED_AGENT, mayChange: { intent_nonces: "a refused intent's nonce is spent, so it cannot be replayed later (test/ledger/gateway.test.ts)" } },
  },
  submitGatewayPaymentBatch: {
    caller: "passes",
    payer: { batch: SUSPENDED_AGENT, mayChange: { intent_nonces: "as for a single intent: a refused intent's nonce is spent" } },
  },
  getGatewayAgent: passes,
  // x402's batch-settlement: the vendor's gateway key calls, the agent pays (as a gateway payment).
  verifyX402Payment: { caller: "passes", payer: { x402: { reason: "invalid_machpay_agent_suspended" } } },
  settleX402Payment: {
    caller: "passes",
    payer: { x402: { reason: "invalid_machpay_agent_suspended" }, mayChange: { intent_nonces: "as a gateway payment: a refused intent's nonce is spent" } },
  },
  requestPayout: { caller: SUSPENDED_ACCOUNT },
  requestWithdrawal: { caller: SUSPENDED_ACCOUNT },
  listPayouts: passes,
  getVendorStats: passes,
  getVendorRevenue: passes,
  claimDeposit: passes,
  getDepositAddress: passes,
  registerEndpoint: passes,
  listEndpoints: passes,
  getEndpoint: passes,
  updateEndpoint: passes,
  deleteEndpoint: passes,
  createWebhook: passes,
  listWebhooks: passes,
  deleteWebhook: passes,
};
