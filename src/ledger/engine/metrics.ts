import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { metricOf } from "@/http/metrics";
import type { PaymentOutcome, PaymentSource } from "./types";

// The engine's figures on /metrics. The engine is the hot path: a batch aggregates its outcomes in
// a plain Map and touches each labelled counter once per (source, outcome) it holds, not once per
// payment. Labels stay bounded: the source (four values) and the outcome, "paid", "replayed" or a
// code of src/core/error-codes.ts; never a user, vendor or service id.

export interface EngineMetrics {
  /** One committed batch: its size, its time from connection to COMMIT answered, each payment's outcome. */
  batch(sources: readonly { source: PaymentSource; amount: bigint }[], outcomes: readonly (PaymentOutcome | undefined)[], seconds: number): void;
  /** A payment answered outside a committed batch (a deadline, an unknown outcome, an error). */
  single(payment: { source: PaymentSource; amount: bigint }, outcome: string): void;
}

export function outcomeLabel(outcome: PaymentOutcome): string {
  if (outcome.kind === "replay" || outcome.replayed) return "replayed";
  return outcome.kind === "paid" ? "paid" : outcome.error.code;
}

export function createEngineMetrics(registry: Registry, state: { queued(): number; inflight(): number }): EngineMetrics {
  const registers = [registry];
  const payments = metricOf(registry, "payments_total", () =>
    new Counter({ name: "payments_total", help: "Payments answered by the engine, by source and outcome (paid, replayed, or the refusal's error code)", labelNames: ["source", "outcome"] as const, registers }),
  );
  const amount = metricOf(registry, "payments_amount_atomic_total", () =>
    new Counter({ name: "payments_amount_atomic_total", help: "Amount of the payments answered, in USDC atomic units (1e-6 USDC), by source and outcome", labelNames: ["source", "outcome"] as const, registers }),
  );
  const sizes = metricOf(registry, "payment_engine_batch_size", () =>
    new Histogram({ name: "payment_engine_batch_size", help: "Payments per committed batch (group commit)", buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512], registers }),
  );
  const commits = metricOf(registry, "payment_engine_commit_duration_seconds", () =>
    new Histogram({
      name: "payment_engine_commit_duration_seconds",
      help: "Time of one batch from reserving its connection to its COMMIT answered (both round trips)",
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
  );
  // Read at scrape time: nothing on the hot path keeps them.
  metricOf(registry, "payment_engine_queue_depth", () =>
    new Gauge({ name: "payment_engine_queue_depth", help: "Payments waiting for a batch slot", registers, collect() { this.set(state.queued()); } }),
  );
  metricOf(registry, "payment_engine_inflight_batches", () =>
    new Gauge({ name: "payment_engine_inflight_batches", help: "Batches between taking their payments and their answer (isolated retries included)", registers, collect() { this.set(state.inflight()); } }),
  );

  // Counting must never stand between a committed payment and its answer: a failure here is dropped.
  const safely = (count: () => void) => {
    try {
      count();
    } catch {
      // A metric is not worth a payment's answer.
    }
  };
  return {
    batch: (requests, outcomes, seconds) => safely(() => {
      sizes.observe(requests.length);
      commits.observe(seconds);
      const totals = new Map<string, { source: PaymentSource; outcome: string; n: number; atomic: bigint }>();
      requests.forEach((r, i) => {
        const outcome = outcomes[i];
        if (!outcome) return;
        const label = outcomeLabel(outcome);
        const key = `${r.source}\u0000${label}`;
        const t = totals.get(key);
        if (t) {
          t.n++;
          t.atomic += r.amount;
        } else totals.set(key, { source: r.source, outcome: label, n: 1, atomic: r.amount });
      });
      for (const t of totals.values()) {
        payments.inc({ source: t.source, outcome: t.outcome }, t.n);
        // A float counter: exact up to 2^53 atomic units (9e9 USDC) per series, then rounds.
        amount.inc({ source: t.source, outcome: t.outcome }, Number(t.atomic));
      }
    }),
    single: (p, outcome) => safely(() => {
      payments.inc({ source: p.source, outcome });
      amount.inc({ source: p.source, outcome }, Number(p.amount));
    }),
  };
}
