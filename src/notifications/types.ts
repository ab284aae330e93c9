// The notification types other modules record (recordNotification), which a webhook may subscribe
// to. A type recorded but missing here still reaches SSE and "*" webhooks; add it to be selectable.
export const NOTIFICATION_TYPES = [
  "deposit.confirmed",
  "payout.requested",
  "payout.confirmed",
  "payout.failed",
  "settlement.failed",
  "link.approved",
] as const;

export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** Subscribes a webhook to every type, including ones added later. */
export const ALL_EVENTS = "*";
