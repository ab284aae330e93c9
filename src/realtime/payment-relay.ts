import type { Logger } from "@/core/logger";
import type { Waker } from "@/core/waker";
import type { Sql } from "@/db/client";
import { relayPaymentEvents } from "@/ledger";
import { tickerItemsByIds } from "@/public";
import type { Broker } from "./broker";
import { paymentEventsWithTicker } from "./events";

/** Batches taken per pass: at ~60 payments a batch, a few thousand payments' events per transaction. */
const BATCHES_PER_PASS = 50;

/**
 * Delivers committed payments' events: woken by the engine after each COMMIT in this process (the
 * waker), and by its interval for batches committed by another instance or left by one that died
 * before delivering them. A pass publishes through the broker's publishNow and deletes the batches
 * in the same transaction only once that resolved: at least once, never lost.
 */
export function startPaymentEventRelay(deps: { sql: Sql; broker: Broker; logger: Logger; waker: Waker }): () => Promise<void> {
  const log = deps.logger.child({ component: "payment-events" });
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      deps.waker.takeNudge();
      let more = false;
      try {
        const relayed = await relayPaymentEvents(deps.sql, BATCHES_PER_PASS, async (payments) => {
          // The ticker topic carries GET /v1/ticker's items (service type joined from the registry), so both feeds agree.
          const tickers = await tickerItemsByIds(deps.sql, payments.map((p) => p.transaction.id));
          await deps.broker.publishNow(payments.flatMap((p) => paymentEventsWithTicker(p, tickers.get(p.transaction.id))));
        });
        more = relayed === BATCHES_PER_PASS;
      } catch (err) {
        log.warn("payment events not delivered yet; retrying", { err });
      }
      if (!more && !deps.waker.takeNudge() && !stopped) await deps.waker.sleep();
    }
  })();
  return async () => {
    stopped = true;
    deps.waker.nudge();
    await loop;
  };
}
