import type { Logger } from "@/core/logger";
import type { Sql } from "@/db/client";
import type { Broker } from "./broker";
import { claimOutbox } from "./queries";
import { userTopic } from "./topics";

const CHANNEL = "machpay_notifications";
const BATCH = 200;
const POLL_MS = 5000;

/**
 * Relays committed notifications to `user:<id>`, the event named by the notification's type.
 * Why an outbox filled by a trigger, woken by NOTIFY: the row appears only when the notifying
 * transaction commits (a rollback relays nothing); claiming it with DELETE ... SKIP LOCKED relays
 * it once across instances (a poller on notifications.id could skip ids committed out of order,
 * and every instance would relay everything); rows wait in the table while no relay runs or the
 * LISTEN connection is down, and the poll picks them up. A crash between claim and publish loses
 * that event on SSE only: the notification itself stays in its table.
 */
export function startNotificationRelay(sql: Sql, broker: Broker, logger: Logger): () => Promise<void> {
  let stopped = false;
  let running: Promise<void> | null = null;
  let again = false;
  let unlisten: (() => Promise<void>) | undefined;

  const drain = async () => {
    for (;;) {
      const rows = await claimOutbox(sql, BATCH);
      for (const n of rows) {
        broker.publish(userTopic(n.user_id), n.type, {
          notification_id: n.id.toString(),
          created_at: n.created_at.toISOString(),
          payload: n.payload,
        });
      }
      if (rows.length < BATCH || stopped) return;
    }
  };
  const wake = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = drain()
      .catch((err) => logger.warn("notification relay failed; retrying on the next wake", { err }))
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          wake();
        }
      });
  };

  sql
    .listen(CHANNEL, wake, wake)
    .then((handle) => {
      unlisten = handle.unlisten;
      if (stopped) void unlisten().catch(() => {});
    })
    .catch((err) => logger.warn("LISTEN for notifications failed; relying on the poll", { err }));
  const poll = setInterval(wake, POLL_MS);
  poll.unref?.();
  wake();

  return async () => {
    stopped = true;
    clearInterval(poll);
    await unlisten?.().catch(() => {});
    await running;
  };
}
