// Real time: the broker, the SSE stream, and the events other modules publish (lld-backend.md §3.5).
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Config } from "@/config";
import type { Logger } from "@/core/logger";
import type { Sql } from "@/db/client";
import type { AppDeps } from "@/http/deps";
import type { HonoEnv } from "@/http/env";
import type { PaymentOutcome, PaymentRequest } from "@/ledger";
import type { Broker } from "./broker";

export type { Broker, BrokerEvent, Listener } from "./broker";

/** Builds the broker BROKER names. */
export function createBroker(_config: Config, _sql: Sql, _logger: Logger): Broker {
  const listeners = new Set<{ topics: readonly string[]; listener: (e: import("./broker").BrokerEvent) => void }>();
  let seq = 0;
  return {
    publish(topic, type, data) {
      const event = { id: String(++seq), topic, type, data };
      for (const l of listeners) if (l.topics.includes(topic)) queueMicrotask(() => l.listener(event));
    },
    subscribe(topics, listener) {
      const entry = { topics, listener };
      listeners.add(entry);
      return () => void listeners.delete(entry);
    },
    history: async () => [],
    close: async () => {},
  };
}

/** What the payment engine calls after each COMMIT: ticker, payment sent/received, low balance. */
export function paymentEvents(_broker: Broker): (payments: PaymentRequest[], outcomes: PaymentOutcome[]) => void {
  return () => {};
}

export function registerRealtimeRoutes(_router: OpenAPIHono<HonoEnv>, _deps: AppDeps) {}

/** Stats loop and notification relay; returns their stop function (ends SSE streams too). */
export function startRealtime(_deps: AppDeps): () => Promise<void> {
  return async () => {};
}
