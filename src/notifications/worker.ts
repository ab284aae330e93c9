import type { Logger } from "@/core/logger";
import type { AppDeps } from "@/http/deps";
import { deliverDue, type DeliveryCtx } from "./deliver";
import { DELIVERIES_CHANNEL } from "./queries";

/** The delivery verbs' context from the app's dependencies. */
export function deliveryCtxOf(deps: AppDeps, log: Logger = deps.logger.child({ worker: "notifications" })): DeliveryCtx {
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
export function startNotificationWorker(deps: AppDeps): () => Promise<void> {
  const log = deps.logger.child({ worker: "notifications" });
  const ctx = deliveryCtxOf(deps, log);
  let stopped = false;
  // Set by a wake-up that arrives during a pass, so it is not lost before the next sleep.
  let nudged = false;
  let wake: (() => void) | undefined;
  const nudge = () => {
    nudged = true;
    wake?.();
  };
  let unlisten: (() => Promise<void>) | undefined;
  deps.sql
    .listen(DELIVERIES_CHANNEL, nudge, nudge)
    .then((handle) => {
      unlisten = handle.unlisten;
      if (stopped) void unlisten().catch(() => {});
    })
    .catch((err) => log.warn("LISTEN for deliveries failed; relying on the poll", { err }));

  const sleep = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, deps.config.NOTIFICATION_WORKER_INTERVAL_MS);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  const loop = (async () => {
    while (!stopped) {
      nudged = false;
      let more = false;
      try {
        more = (await deliverDue(ctx)).more;
      } catch (err) {
        log.error("delivery pass failed", { err });
      }
      if (!more && !nudged && !stopped) await sleep();
    }
  })();

  return async () => {
    stopped = true;
    wake?.();
    await unlisten?.().catch(() => {});
    await loop;
  };
}
