import type { Logger } from "@/core/logger";
import type { NotificationsDeps } from "./deps";
import { deliverDue, type DeliveryCtx } from "./deliver";
import { DELIVERIES_CHANNEL } from "./queries";
import { createWaker } from "@/core/waker";

/** The delivery verbs' context from the app's dependencies. */
export function deliveryCtxOf(deps: NotificationsDeps, log: Logger = deps.logger.child({ worker: "notifications" })): DeliveryCtx {
  return {
    sql: deps.sql,
    actor: { kind: "system", job: "notifications" },
    clock: deps.clock,
    log,
    mailer: deps.mailer,
    secrets: deps.secrets,
    allowPrivateTargets: deps.config.WEBHOOK_ALLOW_PRIVATE_TARGETS,
    webhookTimeoutMs: deps.config.WEBHOOK_TIMEOUT_MS,
    decimals: deps.config.USDC_DECIMALS,
  };
}

/**
 * Starts the webhook and email delivery worker; returns its stop function, which lets the pass in
 * progress finish (its outcomes recorded) so that a graceful restart leaves nothing in flight.
 * New deliveries wake it through NOTIFY at their commit; retries come due on the interval poll,
 * which also covers a lost LISTEN connection. Several instances share the work (SKIP LOCKED).
 */
export function startNotificationWorker(deps: NotificationsDeps): () => Promise<void> {
  const log = deps.logger.child({ worker: "notifications" });
  const ctx = deliveryCtxOf(deps, log);
  let stopped = false;
  const waker = createWaker(deps.config.NOTIFICATION_WORKER_INTERVAL_MS);
  const nudge = () => waker.nudge();
  let unlisten: (() => Promise<void>) | undefined;
  deps.sql
    .listen(DELIVERIES_CHANNEL, nudge, nudge)
    .then((handle) => {
      unlisten = handle.unlisten;
      if (stopped) void unlisten().catch(() => {});
    })
    .catch((err) => log.warn("LISTEN for deliveries failed; relying on the poll", { err }));

  const loop = (async () => {
    while (!stopped) {
      waker.takeNudge();
      let more = false;
      try {
        more = (await deliverDue(ctx)).more;
      } catch (err) {
        log.error("delivery pass failed", { err });
      }
      if (!more && !waker.takeNudge() && !stopped) await waker.sleep();
    }
  })();

  return async () => {
    stopped = true;
    waker.nudge();
    await unlisten?.().catch(() => {});
    await loop;
  };
}
