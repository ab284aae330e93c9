import type { PaymentOutcome, PaymentRequest } from "./types";

// A payment carries a deadline: PAYMENT_DEADLINE_MS after its request arrived, its COMMIT must have
// been sent, or it is answered 503 payment_deadline_exceeded and its batch never commits. Without
// it, a payment queued behind a database outage would commit whenever the database came back,
// long after its caller gave up and perhaps paid again.

/** A payment waiting for its answer, with what the deadline sweep needs to know about it. */
export interface Waiting {
  request: PaymentRequest;
  /** performance.now() by which its batch's COMMIT must be on the wire. */
  deadline: number;
  /** Answered already: by its batch, or by the sweep when its deadline passed first. */
  settled: boolean;
  resolve(outcome: PaymentOutcome): void;
  reject(err: unknown): void;
}

/** A batch between taking its payments and sending its COMMIT. */
export interface BatchState {
  waiting: Waiting[];
  /** Set, in the same turn as the check that allows it, when the COMMIT goes out. */
  commitSent: boolean;
}

export const isExpired = (w: Waiting, now: number) => w.settled || w.deadline <= now;

/**
 * Called right before a batch sends its COMMIT: true (and the batch marked as committing) when
 * none of its payments was answered or is past its deadline. Synchronous with the send, so the
 * sweep can never answer a payment whose COMMIT is already on its way.
 */
export function mayCommit(state: BatchState): boolean {
  const now = performance.now();
  if (state.waiting.some((w) => isExpired(w, now))) return false;
  state.commitSent = true;
  return true;
}

/** Thrown by a batch that rolled back because mayCommit() said no. */
export class BatchAbandoned extends Error {
  constructor() {
    super("payment batch rolled back: a payment reached its deadline before COMMIT");
  }
}
