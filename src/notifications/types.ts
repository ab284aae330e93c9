// The notification types other modules record (recordNotification), which a webhook may subscribe
// to. A type recorded but missing here still reaches SSE and "*" webhooks; add it to be selectable.
export const NOTIFICATION_TYPES = [
  "deposit.confirmed",
  "payout.requested",
  "payout.confirmed",
  "payout.failed",
  "settlement.failed",
  "link.approved",
  // A gateway reported a withdrawal address other than the profile's (never applied); once per address.
  "gateway.withdrawal_address_mismatch",
  // Telemetry alerts (src/telemetry/rollups/): a gateway's hourly 5xx share over the threshold, once
  // per gateway and hour; an agent at risk of running dry (gateway or SDK report), once per UTC day.
  "gateway.error_rate_high",
  "agent.insolvency_risk",
] as const;

export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** Subscribes a webhook to every type, including ones added later. */
export const ALL_EVENTS = "*";
