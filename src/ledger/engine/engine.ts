import type { Clock } from "@/core/clock";
import { AppError } from "@/core/errors";
import type { Logger } from "@/core/logger";
import type { Sql } from "@/db/client";
import { applyBatch } from "./apply";
import type { PaymentOutcome, PaymentRequest } from "./types";

export interface EngineOptions {
  feeBps: number;
  clock: Clock;
  logger: Logger;
  /** Most payments in one SQL transaction. */
  maxBatch: number;
  /** Batches in flight at once (each holds one pooled connection). */
  maxConcurrent: number;
  /** Called after each COMMIT with what it made true (events, notifications). */
  onCommitted?: (payments: PaymentRequest[], outcomes: PaymentOutcome[]) => void;
}

interface Waiting {
  request: PaymentRequest;
  resolve(outcome: PaymentOutcome): void;
  reject(err: unknown): void;
}

// Deadlocks and serialization failures are retried; they leave nothing behind.
const RETRYABLE = new Set(["40001", "40P01"]);

/**
 * Group commit for payments. While batches are in flight, arriving payments queue; each free
 * slot takes everything queued (up to maxBatch) into one transaction. An idle engine sends a
 * lone payment at once, so batching adds latency only under load, where it removes the per-commit
 * cost (one WAL flush per batch instead of per payment) and the hot-row contention on vendors
 * (one update per vendor per batch). Every answer still comes after its own batch's COMMIT.
 */
export class PaymentEngine {
  private queue: Waiting[] = [];
  private inflight = 0;
  private scheduled = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly sql: Sql,
    private readonly options: EngineOptions,
  ) {}

  submit(request: PaymentRequest): Promise<PaymentOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // Payments arriving in the same tick join one batch.
        queueMicrotask(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  /** Resolves when nothing is queued or in flight (graceful shutdown). */
  drain(): Promise<void> {
    if (this.queue.length === 0 && this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private pump() {
    while (this.inflight < this.options.maxConcurrent && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.inflight++;
      void this.run(batch).finally(() => {
        this.inflight--;
        this.pump();
        if (this.queue.length === 0 && this.inflight === 0) for (const f of this.idle.splice(0)) f();
      });
    }
  }

  private async run(batch: Waiting[]): Promise<void> {
    try {
      const outcomes = await this.applyWithRetry(batch.map((w) => w.request));
      batch.forEach((w, i) => w.resolve(outcomes[i]!));
      try {
        this.options.onCommitted?.(batch.map((w) => w.request), outcomes);
      } catch (err) {
        // Committed money stays committed; a failing listener is logged, never retried.
        this.options.logger.error("payment listener failed", { err });
      }
    } catch (err) {
      // Not known to be rolled back: retrying could pay twice. Every payment of the batch is told so.
      if (err instanceof AppError && err.code === "payment_outcome_unknown") {
        for (const w of batch) w.reject(err);
        return;
      }
      if (batch.length > 1) {
        // Isolate whatever failed: each payment alone, so one bad payment cannot sink the rest.
        this.options.logger.warn("payment batch failed; retrying its payments one by one", { size: batch.length, err });
        await Promise.all(batch.map((w) => this.run([w])));
        return;
      }
      // A row the payment names vanished between its checks and its commit (a service deleted
      // meanwhile): nothing was written, and the payer is told so, not given a 500.
      if ((err as { code?: string }).code === "23503") {
        for (const w of batch) w.resolve({ kind: "refused", error: new AppError("service_not_found", "the service was removed while the payment was processed", { status: 404 }) });
        return;
      }
      for (const w of batch) w.reject(err);
    }
  }

  private async applyWithRetry(requests: PaymentRequest[]): Promise<PaymentOutcome[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await applyBatch(this.sql, requests, { feeBps: this.options.feeBps, clock: this.options.clock });
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (attempt >= 3 || !code || !RETRYABLE.has(code)) throw err;
      }
    }
  }
}
