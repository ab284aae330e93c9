import { BACKLOG_COUNT_CAP, readingOf, type BacklogProbe } from "@/http/backlog-metrics";
import { dueDeliveriesBacklog } from "./queries";
import type { Tx } from "@/db/client";
import type { Module, Runs } from "@/http/module";
import { newRouter } from "@/http/router";
import type { NotificationsDeps } from "./deps";
import { registerNotificationRoutes } from "./routes";
import { startNotificationWorker } from "./worker";
import { EMAILED_TYPES } from "./emails";
import { insertNotification, listNotifications, notifyDeliveries } from "./queries";

export { createMailer } from "./mailer";
export type { NotificationRow } from "./queries";
export { startNotificationWorker, deliveryCtxOf } from "./worker";
export type { NotificationsDeps } from "./deps";
export { deliverDue, eventIdOf, BACKOFF_MS, type DeliveryCtx, type PassResult } from "./deliver";
export { NOTIFICATION_TYPES, type NotificationType } from "./types";

/**
 * Records a notification for a user inside the caller's transaction, so it exists exactly when
 * the change it reports does. SSE relays it (the realtime outbox, filled by a trigger); its email
 * and webhook deliveries are written here, in the same statement, so they commit or roll back
 * with it and a restart loses none. Why here rather than in a trigger: which types are emailed is
 * decided next to the email texts (emails.ts), in one place.
 */
export async function recordNotification(sql: Tx, userId: bigint, type: string, payload: Record<string, unknown>): Promise<bigint> {
  const { id, deliveries } = await insertNotification(sql, { userId, type, payload, emailed: EMAILED_TYPES.includes(type) });
  // Wakes the delivery workers at COMMIT; nothing to wake them for without a delivery.
  if (deliveries > 0n) await notifyDeliveries(sql);
  return id;
}

export function notificationsOf(sql: Tx, userId: bigint, limit = 50) {
  return listNotifications(sql, userId, limit);
}

/** Webhooks and email: their routes, and (as a worker) the delivery of both from the outbox. */
export function notificationsModule(deps: NotificationsDeps): Module & Runs {
  const router = newRouter();
  registerNotificationRoutes(router, deps);
  return { router, start: () => startNotificationWorker(deps) };
}

/** The delivery outbox on /metrics (worker="notification_delivery"): webhook and email deliveries due. */
export const deliveryBacklog: BacklogProbe = { worker: "notification_delivery", read: async (sql) => readingOf(await dueDeliveriesBacklog(sql, BACKLOG_COUNT_CAP)) };
