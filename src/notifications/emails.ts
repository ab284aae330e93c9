import { atomicToDecimal, ATOMIC_PATTERN } from "@/core/money";

// The notifications that also go out by email, and their text. Money is shown in USDC with the
// mint's decimals, exactly (never through a float).

export interface EmailContext {
  payload: Record<string, unknown>;
  decimals: number;
  /** The agent's display name, for settlement.failed (looked up at send time). */
  agentName?: string | null | undefined;
}

interface Email {
  subject: string;
  text: string;
}

const str = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v) : "");
const usdc = (v: unknown, decimals: number) => {
  const s = str(v);
  return ATOMIC_PATTERN.test(s) ? `${atomicToDecimal(BigInt(s), decimals)} USDC` : "an amount";
};
const percent = (v: unknown) => (typeof v === "number" ? `${Math.round(v * 10000) / 100}%` : "?");
const lines = (...xs: (string | false)[]) => xs.filter((x): x is string => x !== false).join("\n") + "\n";

const TEMPLATES: Record<string, (c: EmailContext) => Email> = {
  // lld-backend.md §4.4: "Settlement Failed for Agent X. Your pending balance has been adjusted."
  "settlement.failed": ({ payload: p, decimals, agentName }) => {
    const agent = agentName ? `${agentName} (#${str(p.agent_id)})` : `#${str(p.agent_id)}`;
    return {
      subject: `Settlement failed for Agent ${agent}`,
      text: lines(
        `Settlement Failed for Agent ${agent}. Your pending balance has been adjusted.`,
        "",
        `Payment reversed: ${usdc(p.amount_atomic, decimals)}`,
        `Taken from your unsettled balance: ${usdc(p.reversed_atomic, decimals)}`,
        str(p.debt_atomic) !== "" && str(p.debt_atomic) !== "0" && `Recorded as debt, repaid from future earnings: ${usdc(p.debt_atomic, decimals)}`,
        `Reason: ${str(p.reason)}`,
        `Intent: ${str(p.intent_id)}`,
        "The agent has been suspended.",
      ),
    };
  },
  "payout.confirmed": ({ payload: p }) => ({
    subject: "Your payout was sent",
    text: lines(`Your payout ${str(p.payout_id)} was sent on chain.`, "", `Transaction: ${str(p.tx_signature)}`),
  }),
  "payout.failed": ({ payload: p, decimals }) => ({
    subject: "Your payout failed",
    text: lines(
      `Your payout ${str(p.payout_id)} failed: ${str(p.reason)}.`,
      "",
      `${usdc(p.amount_atomic, decimals)} has been returned to your unsettled balance.`,
    ),
  }),
  "deposit.confirmed": ({ payload: p, decimals }) => ({
    subject: "Deposit confirmed",
    text: lines(`Your deposit of ${usdc(p.amount_atomic, decimals)} is confirmed and available.`, "", `Transaction: ${str(p.tx_signature)}`),
  }),
  // Telemetry alerts: at most once per gateway and hour, once per agent and day.
  "gateway.error_rate_high": ({ payload: p }) => ({
    subject: `Gateway ${str(p.gateway_id)}: server errors above ${percent(p.threshold)}`,
    text: lines(
      `Your gateway ${str(p.gateway_id)} answered ${str(p.errors_5xx)} of ${str(p.requests)} requests with a 5xx status (${percent(p.error_rate)})`,
      `between ${str(p.window_start)} and ${str(p.window_end)}, above the alert threshold of ${percent(p.threshold)}.`,
      "",
      "Source: the gateway's own telemetry packets.",
    ),
  }),
  "agent.insolvency_risk": ({ payload: p, decimals }) => ({
    subject: "Your agent is running low on funds",
    text: lines(
      p.source === "gateway telemetry"
        ? `Gateway ${str(p.gateway_id)} reported your agent's balance at ${usdc(p.balance_atomic, decimals)}, spending ${usdc(p.burn_rate_1h_atomic, decimals)} an hour.`
        : `Your agent's SDK reported low-balance warnings${str(p.balance_atomic) !== "" ? `; its balance was ${usdc(p.balance_atomic, decimals)}` : ""}.`,
      typeof p.runway_hours === "number" && `At that rate it runs out in about ${p.runway_hours} hours.`,
      "",
      "Top up its balance to keep its payments going.",
    ),
  }),
};

/** Types that are emailed; recordNotification queues an email delivery for these only. */
export const EMAILED_TYPES: readonly string[] = Object.keys(TEMPLATES);

export function renderEmail(type: string, context: EmailContext): Email | null {
  return TEMPLATES[type]?.(context) ?? null;
}
