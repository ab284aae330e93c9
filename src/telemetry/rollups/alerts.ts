import type { Tx } from "@/db/client";
import { recordNotification } from "@/notifications";
import { claimErrorRateAlerts, claimSolvencyAlerts } from "./queries/alerts";

// Telemetry alerts become notifications of the owner (SSE on user:<id>, webhooks, email: the
// notifications module decides), once per entity and window:
// - gateway.error_rate_high: a gateway's 5xx share of an hour's requests (deep packets) above the
//   threshold, told to its vendor once per gateway and hour;
// - agent.insolvency_risk: a gateway's com.machpay.agent.insolvency_risk about the agent's key, or
//   its SDK's low_balance_warnings, told to the agent's owner once per agent and UTC day (a state
//   that lasts: hourly would repeat the same news all day).

export interface AlertRules {
  /** 5xx share (0..1) above which an hour alerts. */
  errorRateThreshold: number;
  /** Fewer requests in the hour than this never alert (a 1-of-2 hour is noise). */
  errorRateMinRequests: number;
}

export interface FiredAlerts {
  errorRate: number;
  insolvency: number;
}

const HOUR = 3600_000;
const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Evaluates the alerts over the hours [from, to) inside the caller's transaction. */
export async function fireAlerts(tx: Tx, r: { from: Date; to: Date; now: Date }, rules: AlertRules): Promise<FiredAlerts> {
  const errorRate = await claimErrorRateAlerts(tx, r, { threshold: rules.errorRateThreshold, minRequests: rules.errorRateMinRequests });
  for (const a of errorRate) {
    await recordNotification(tx, a.vendor_id, "gateway.error_rate_high", {
      gateway_id: a.gateway_id,
      window_start: a.hour.toISOString(),
      window_end: new Date(a.hour.getTime() + HOUR).toISOString(),
      requests: Number(a.requests),
      errors_5xx: Number(a.status_5xx),
      error_rate: round(Number(a.status_5xx) / Number(a.requests), 4),
      threshold: rules.errorRateThreshold,
      source: "gateway telemetry",
    });
  }
  const insolvency = await claimSolvencyAlerts(tx, r);
  for (const a of insolvency) {
    const runway = a.balance_atomic !== null && a.burn_rate_1h_atomic !== null && a.burn_rate_1h_atomic > 0n
      ? round(Number(a.balance_atomic) / Number(a.burn_rate_1h_atomic), 1)
      : null;
    await recordNotification(tx, a.agent_id, "agent.insolvency_risk", {
      source: a.source === "gateway" ? "gateway telemetry" : "sdk telemetry",
      gateway_id: a.gateway_id,
      balance_atomic: a.balance_atomic?.toString() ?? null,
      burn_rate_1h_atomic: a.burn_rate_1h_atomic?.toString() ?? null,
      runway_hours: runway,
      observed_at: a.observed_at.toISOString(),
      window_start: a.day.toISOString(),
    });
  }
  return { errorRate: errorRate.length, insolvency: insolvency.length };
}
