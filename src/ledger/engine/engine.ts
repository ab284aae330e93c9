import type { Clock } from "@/core/clock";
import { AppError } from "@/core/errors";
import type { Logger } from "@/core/logger";
import type { Sql } from "@/db/client";
import { Registry } from "prom-client";
import { applyBatch } from "./apply";
import { BatchAbandoned, isExpired, mayCommit, type BatchState, type Waiting } from "./deadline";
import { paymentDeadlineExceeded } from "./errors";
import { createEngineMetrics, outcomeLabel, type EngineMetrics } from "./metrics";
import type { PaymentOutcome, PaymentRequest } from "./types";

export interface EngineOptions {
  feeBps: number;
  clock: Clock;
  logger: Logger;
  /** Most payments in one SQL transaction. */
  maxBatch: number;
  /** Batches in flight at once (each holds one pooled connection). */
  maxConcurrent: number;
  /** A payment's COMMIT must be sent within this many ms of its request's arrival (PAYMENT_DEADLINE_MS). */
  deadlineMs: number;
  /** How long a batch whose COMMIT answer was lost waits for the (possibly new) primary to say whether it committed (PAYMENT_OUTCOME_WAIT_MS). */
  outcomeWaitMs?: number;
  /** Called after each COMMIT: the batch's events wait in the database (payment_event_batches) for the relay it wakes. */
  onCommitted?: () => void;
  /** Where its figures go (/metrics); a registry nobody reads when absent (benchmarks). */
  metrics?: Registry;
}

// Deadlocks and serialization failures are retried; they leave nothing behind.
const RETRYABLE = new Set(["40001", "40P01"]);
/** How often, while payments wait, the ones past their deadline are answered. */
const SWEEP_MS = 50;

/**
 * Group commit for payments. While batches are in flight, arriving payments queue; each free
 * slot takes everything queued (up to maxBatch) into one transaction. An idle engine sends a
 * lone payment at once, so batching adds latency only under load, where it removes the per-commit
 * cost (one WAL flush per batch instead of per payment) and the hot-row contention on vendors
 * (one update per vendor per batch). Every answer still comes after its own batch's COMMIT.
 *
 * Every payment has a deadline (deadline.ts): queued or in a batch that has not sent its COMMIT,
 * it is answered 503 payment_deadline_exceeded when the deadline passes, and its batch then rolls
 * back instead of committing (its other payments are tried again).
 */
export class PaymentEngine {
  private queue: Waiting[] = [];
  /** Slots taken (at most maxConcurrent). */
  private busy = 0;
  /** Every batch between taking its payments and its answer, the isolated retries included. */
  private inflight = new Set<BatchState>();
  private scheduled = false;
  private sweeper: ReturnType<typeof setInterval> | undefined;
  private idle: (() => void)[] = [];
  private readonly metrics: EngineMetrics;

  constructor(
    private readonly sql: Sql,
    private readonly options: EngineOptions,
  ) {
    this.metrics = createEngineMetrics(options.metrics ?? new Registry(), { queued: () => this.queue.length, inflight: () => this.inflight.size });
  }

  submit(request: PaymentRequest): Promise<PaymentOutcome> {
    return new Promise((resolve, reject) => {
      const w: Waiting = { request, deadline: request.receivedAt + this.options.deadlineMs, settled: false, resolve, reject };
      // Already late (its request waited that long for authentication or a lookup): never queued.
      if (w.deadline <= performance.now()) return this.expire(w);
      this.queue.push(w);
      this.sweeper ??= setInterval(() => this.sweep(), SWEEP_MS);
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
    if (this.queue.length === 0 && this.inflight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private pump() {
    while (this.busy < this.options.maxConcurrent && this.queue.length > 0) {
      this.busy++;
      void this.runTracked(this.queue.splice(0, this.options.maxBatch)).finally(() => {
        this.busy--;
        this.pump();
        if (this.queue.length === 0 && this.inflight.size === 0) {
          clearInterval(this.sweeper);
          this.sweeper = undefined;
          for (const f of this.idle.splice(0)) f();
        }
      });
    }
  }

  /** Answers every payment whose deadline passed before its batch sent COMMIT. */
  private sweep() {
    const now = performance.now();
    if (this.queue.some((w) => w.deadline <= now)) {
      this.queue = this.queue.filter((w) => (w.deadline <= now ? (this.expire(w), false) : true));
    }
    for (const state of this.inflight) {
      if (state.commitSent) continue;
      for (const w of state.waiting) if (!w.settled && w.deadline <= now) this.expire(w);
    }
  }

  private expire(w: Waiting) {
    this.settle(w, { kind: "refused", error: paymentDeadlineExceeded(this.options.deadlineMs) });
  }

  /** `counted`: the batch's metrics already hold it (committed batches count once, together). */
  private settle(w: Waiting, outcome: PaymentOutcome, counted = false) {
    if (w.settled) return;
    w.settled = true;
    if (!counted) this.metrics.single(w.request, outcomeLabel(outcome));
    w.resolve(outcome);
  }

  private fail(w: Waiting, err: unknown) {
    if (w.settled) return;
    w.settled = true;
    this.metrics.single(w.request, err instanceof AppError ? err.code : "error");
    w.reject(err);
  }

  /** A batch the sweep can see until it is answered. */
  private async runTracked(waiting: Waiting[]): Promise<void> {
    const state: BatchState = { waiting, commitSent: false };
    this.inflight.add(state);
    try {
      await this.run(state);
    } finally {
      this.inflight.delete(state);
    }
  }

  private async run(state: BatchState): Promise<void> {
    const now = performance.now();
    for (const w of state.waiting) if (isExpired(w, now)) this.expire(w);
    state.waiting = state.waiting.filter((w) => !w.settled);
    state.commitSent = false;
    const batch = state.waiting;
    if (batch.length === 0) return;
    try {
      const requests = batch.map((w) => w.request);
      const started = performance.now();
      const outcomes = await this.applyWithRetry(requests, state);
      const seconds = (performance.now() - started) / 1000;
      // None of them was answered meanwhile: the sweep leaves a batch alone once its COMMIT is sent.
      batch.forEach((w, i) => this.settle(w, outcomes[i]!, true));
      this.metrics.batch(requests, outcomes, seconds);
      try {
        this.options.onCommitted?.();
      } catch (err) {
        // Committed money stays committed; a failing listener is logged, never retried.
        this.options.logger.error("payment listener failed", { err });
      }
    } catch (err) {
      // Rolled back for a payment past its deadline (answered by the sweep, or now): the others
      // have time left and go again, in the same slot.
      if (err instanceof BatchAbandoned) return this.run(state);
      // Not known to be rolled back: retrying could pay twice. Every payment of the batch is told so.
      if (err instanceof AppError && err.code === "payment_outcome_unknown") {
        for (const w of batch) this.fail(w, err);
        return;
      }
      if (batch.length > 1) {
        // Isolate whatever failed: each payment alone, so one bad payment cannot sink the rest.
        this.options.logger.warn("payment batch failed; retrying its payments one by one", { size: batch.length, err });
        await Promise.all(batch.map((w) => this.runTracked([w])));
        return;
      }
      // A row the payment names vanished between its checks and its commit (a service deleted
      // meanwhile): nothing was written, and the payer is told so, not given a 500.
      if ((err as { code?: string }).code === "23503") {
        for (const w of batch) this.settle(w, { kind: "refused", error: new AppError("service_not_found", "the service was removed while the payment was processed") });
        return;
      }
      for (const w of batch) this.fail(w, err);
    }
  }

  private async applyWithRetry(requests: PaymentRequest[], state: BatchState): Promise<PaymentOutcome[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await applyBatch(this.sql, requests, {
          feeBps: this.options.feeBps,
          clock: this.options.clock,
          mayCommit: () => mayCommit(state),
          ...(this.options.outcomeWaitMs !== undefined ? { outcomeWaitMs: this.options.outcomeWaitMs } : {}),
        });
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (attempt >= 3 || !code || !RETRYABLE.has(code)) throw err;
        // Rolled back by the deadlock: not committing any more, so the sweep may answer it again.
        state.commitSent = false;
      }
    }
  }
}
