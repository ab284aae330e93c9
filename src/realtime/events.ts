import { z } from "@hono/zod-openapi";
import { BalanceSchema, TransactionSchema, toTransactionDTO, type PaymentOutcome, type PaymentRequest } from "@/ledger";
import { NetworkStatsSchema, regionOf, TickerItemSchema, type TickerItem } from "@/public";
import type { Broker } from "./broker";
import { userTopic } from "./topics";

// The event catalogue: what each topic carries (documented in the OpenAPI document), and the
// payment engine's hook that publishes payments.

export const ConnectedEventSchema = z
  .object({ topics: z.array(z.string()), resumed_from: z.string().nullable().openapi({ description: "The Last-Event-ID resumed from, if any" }) })
  .openapi("ConnectedEvent");

export const PaymentEventSchema = z
  .object({ transaction: TransactionSchema, balance: BalanceSchema.optional().openapi({ description: "The agent's balance after it (payment.sent only)" }) })
  .openapi("PaymentEvent");

export const BalanceLowEventSchema = z
  .object({ available_atomic: z.string(), token_mint: z.string(), transaction_id: z.string().nullable() })
  .openapi("BalanceLowEvent");

export const NotificationEventSchema = z
  .object({ notification_id: z.string(), created_at: z.string(), payload: z.record(z.string(), z.unknown()) })
  .openapi("NotificationEvent");

const frame = <E extends string, S extends z.ZodTypeAny>(event: E, data: S, description: string) =>
  z.object({ event: z.literal(event), id: z.string().openapi({ description: "Monotonic event id (send it back as Last-Event-ID)" }), data }).openapi({ description });

/** One SSE frame: `event:` is the type, `data:` its JSON. Documented for the text/event-stream response. */
export const StreamEventSchema = z
  .union([
    frame("connected", ConnectedEventSchema, "First frame of every stream"),
    frame("ticker", TickerItemSchema, "topic ticker: a payment, anonymized"),
    frame("stats", NetworkStatsSchema, "topic stats: network stats, every 2 s"),
    frame("payment.sent", PaymentEventSchema, "topic user:<id>: the agent paid"),
    frame("payment.received", PaymentEventSchema, "topic user:<id>: the vendor was paid"),
    frame("balance.low", BalanceLowEventSchema, "topic user:<id>: available balance fell below the agent's threshold"),
    frame("balance.updated", BalanceSchema, "topic user:<id>: balance after a top-up (simulated agents)"),
    frame(
      "notification",
      NotificationEventSchema,
      "topic user:<id>: a notification; `event:` is its type (deposit.confirmed, payout.requested, payout.confirmed, payout.failed, settlement.failed, link.approved, ...)",
    ),
  ])
  .openapi("StreamEvent");

export function tickerOf(p: PaymentRequest, outcome: Extract<PaymentOutcome, { kind: "paid" }>): TickerItem {
  const t = outcome.transaction;
  const region = regionOf(t.region);
  return {
    id: t.id,
    amount_atomic: t.amount_atomic.toString(),
    token_mint: t.token_mint,
    service_id: t.service_id,
    // The engine hands over no service type; /v1/ticker joins it from the registry.
    service_type: null,
    region: t.region,
    lat: region?.lat ?? null,
    lng: region?.lng ?? null,
    latency_ms: t.latency_ms,
    source: p.source,
    simulated: p.source === "simulation",
    created_at: t.created_at.toISOString(),
  };
}

/** What the payment engine calls after each COMMIT: ticker, payment sent/received, low balance. */
export function paymentEvents(broker: Broker): (payments: PaymentRequest[], outcomes: PaymentOutcome[]) => void {
  return (payments, outcomes) => {
    outcomes.forEach((outcome, i) => {
      const p = payments[i];
      if (!p || outcome.kind !== "paid") return;
      const transaction = toTransactionDTO(outcome.transaction);
      const balance = {
        available_atomic: outcome.balance.available_atomic.toString(),
        bonded_atomic: outcome.balance.bonded_atomic.toString(),
        pending_atomic: outcome.balance.pending_atomic.toString(),
        token_mint: outcome.transaction.token_mint,
      };
      broker.publish("ticker", "ticker", tickerOf(p, outcome));
      broker.publish(userTopic(p.agentId), "payment.sent", { transaction, balance });
      broker.publish(userTopic(p.vendorId), "payment.received", { transaction });
      if (outcome.lowBalance) {
        broker.publish(userTopic(p.agentId), "balance.low", {
          available_atomic: balance.available_atomic,
          token_mint: balance.token_mint,
          transaction_id: transaction.id,
        });
      }
    });
  };
}
