import type { Tx } from "@/db/client";
import { insertNotification, listNotifications } from "./queries";

export { createMailer, type Mailer, type MailMessage } from "./mailer";
export type { NotificationRow } from "./queries";

/**
 * Records a notification for a user inside the caller's transaction, so it exists exactly when
 * the change it reports does. Delivery (SSE, email, webhook) reads from here.
 */
export function recordNotification(sql: Tx, userId: bigint, type: string, payload: Record<string, unknown>) {
  return insertNotification(sql, userId, type, payload);
}

export function notificationsOf(sql: Tx, userId: bigint, limit = 50) {
  return listNotifications(sql, userId, limit);
}
