import { z } from "@hono/zod-openapi";
import { BalanceSchema, TransactionSchema, toTransactionDTO, type PaidPayment } from "@/ledger";
import { NetworkStatsSchema, regionOf, TickerItemSchema, type TickerItem } from "@/public";
import { userTopic } from "./topics";

// The event catalogue: what each topic carries (documented in the OpenAPI document), and the
// events of a paid payment.

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

export function tickerOf(payment: PaidPayment): TickerItem {
  const t = payment.transaction;
  const region = regionOf(t.region);
  return {
    id: t.id,
    amount_atomic: t.amount_atomic.toString(),
    token_mint: t.token_mint,
    service_id: t.service_id,
    // The engine hands over no service type: the relay passes /v1/ticker's reading instead (tickerItemsByIds).
    service_type: null,
    region: t.region,
    lat: region?.lat ?? null,
    lng: region?.lng ?? null,
    latency_ms: t.latency_ms,
    source: t.source,
    simulated: t.source === "simulation",
    created_at: t.created_at.toISOString(),
  };
}

/**
 * A paid payment's events: the anonymized ticker, payment.sent to the agent (with its balance
 * after), payment.received to the vendor, and balance.low when it crossed the agent's threshold.
 * Each names the transaction, which is how a subscriber drops one delivered twice.
 */
export function paymentEventsOf(payment: PaidPayment): { topic: string; type: string; data: unknown }[] {
  return paymentEventsWithTicker(payment, tickerOf(payment));
}

/** The same, with the ticker item read as GET /v1/ticker reads it (absent: built from the payment). */
export function paymentEventsWithTicker(payment: PaidPayment, ticker: TickerItem = tickerOf(payment)): { topic: string; type: string; data: unknown }[] {
  const t = payment.transaction;
  const transaction = toTransactionDTO(t);
  const balance = {
    available_atomic: payment.balance.available_atomic.toString(),
    bonded_atomic: payment.balance.bonded_atomic.toString(),
    pending_atomic: payment.balance.pending_atomic.toString(),
    token_mint: t.token_mint,
  };
  const events: { topic: string; type: string; data: unknown }[] = [
    { topic: "ticker", type: "ticker", data: ticker },
    { topic: userTopic(t.to_vendor_id), type: "payment.received", data: { transaction } },
  ];
  // An x402 exact payment has no paying agent (a wallet paid on chain): the vendor alone is told.
  if (t.from_agent_id !== null) events.splice(1, 0, { topic: userTopic(t.from_agent_id), type: "payment.sent", data: { transaction, balance } });
  if (payment.lowBalance && t.from_agent_id !== null) {
    events.push({
      topic: userTopic(t.from_agent_id),
      type: "balance.low",
      data: { available_atomic: balance.available_atomic, token_mint: balance.token_mint, transaction_id: transaction.id }
    });
  }
  return events;
}
