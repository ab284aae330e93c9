import type { Entry } from "./entry";

// The receiver's bounded write queue. Requests add their entries all or nothing: when the events
// or bytes would pass the bound, nothing of the request is taken (429 with Retry-After). Entries
// count against the bound until their flush commits, so memory stays bounded while the database is
// slow or down. Flushes start when FLUSH_EVENTS are waiting or FLUSH_INTERVAL_MS after the first
// one arrived, at most CONCURRENCY at once. A flush takes what waits, up to BACKLOG_FACTOR times
// FLUSH_EVENTS: under load, fewer and larger transactions (a flush's round trips, each waiting its
// turn on a busy event loop, cost more than its rows: measured with bench:ingest, 1000-event
// flushes fell behind at ~27k events/s where 5000-event ones kept up past 44k on the same machine).
// A flush the database could not take (connection lost,
// database down) goes back to the front and is retried with backoff; everything else is the
// writer's to handle (flush.ts), so a poison batch cannot block the queue.

export interface QueueOptions {
  maxEvents: number;
  maxBytes: number;
  flushEvents: number;
  flushIntervalMs: number;
  concurrency: number;
}

/** Writes a batch; throws only when it should be retried later (the database is unavailable). */
export type BatchWriter = (batch: Entry[]) => Promise<void>;

const BACKLOG_FACTOR = 8;
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5000;

export class WriteQueue {
  private pending: Entry[] = [];
  private head = 0;
  private events = 0;
  private bytes = 0;
  private inFlight = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private paused = false;
  /** Set when the interval passed with entries waiting: the next free slot flushes them, however few. */
  private due = false;
  private draining = false;
  private retryDelayMs = 0;
  private retryAt = 0;
  private idle: (() => void)[] = [];

  constructor(
    private readonly options: QueueOptions,
    private readonly write: BatchWriter,
  ) {}

  /** Accepted events not yet written (queued or in a flush), and the size of their rows. */
  depth(): { events: number; bytes: number } {
    return { events: this.events, bytes: this.bytes };
  }

  /** Adds every entry, or none when the bound would be passed. */
  offer(entries: Entry[]): boolean {
    let size = 0;
    for (const e of entries) size += e.bytes;
    if (this.draining || this.events + entries.length > this.options.maxEvents || this.bytes + size > this.options.maxBytes) return false;
    for (const e of entries) this.pending.push(e);
    this.events += entries.length;
    this.bytes += size;
    this.kick();
    return true;
  }

  /** Seconds a refused sender should wait: longer while the database is failing. */
  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.retryDelayMs / 1000));
  }

  /** Holds every flush (tests: a queue that only fills). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.kick();
  }

  /**
   * Shutdown: takes nothing more and flushes everything, retrying while the database is away,
   * until `timeoutMs`. Returns the events it had to give up.
   */
  async drain(timeoutMs: number): Promise<number> {
    this.draining = true;
    this.paused = false;
    this.kick();
    const done = new Promise<void>((resolve) => this.whenIdle(resolve));
    let deadline: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<"timeout">((resolve) => (deadline = setTimeout(() => resolve("timeout"), timeoutMs)));
    const outcome = await Promise.race([done.then(() => "done" as const), expired]);
    clearTimeout(deadline);
    if (outcome === "done") return 0;
    // Queued, and in flushes that have not committed (they may yet, as the pool closes): given up.
    const given = this.events;
    this.pending = [];
    this.head = 0;
    this.events = 0;
    this.bytes = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    return given;
  }

  private pendingCount(): number {
    return this.pending.length - this.head;
  }

  private whenIdle(resolve: () => void): void {
    if (this.pendingCount() === 0 && this.inFlight === 0) resolve();
    else this.idle.push(resolve);
  }

  private kick(): void {
    if (this.paused) return;
    const now = Date.now();
    while (this.inFlight < this.options.concurrency && this.pendingCount() > 0 && now >= this.retryAt) {
      const full = this.pendingCount() >= this.options.flushEvents;
      if (!full && !this.draining && !this.due) break;
      this.due = false;
      this.startFlush();
    }
    if (this.pendingCount() > 0 && this.timer === undefined && this.inFlight < this.options.concurrency) {
      const wait = Math.max(this.retryAt - now, this.draining ? 0 : this.options.flushIntervalMs);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.due = true;
        this.kick();
      }, wait);
    }
    if (this.pendingCount() === 0 && this.inFlight === 0 && this.idle.length > 0) for (const resolve of this.idle.splice(0)) resolve();
  }

  private startFlush(): void {
    const batch = this.pending.slice(this.head, this.head + this.options.flushEvents * BACKLOG_FACTOR);
    this.head += batch.length;
    if (this.head > 4096 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.head = 0;
    }
    this.inFlight++;
    this.write(batch)
      .then(() => {
        this.retryDelayMs = 0;
        this.retryAt = 0;
        this.release(batch);
      })
      .catch(() => {
        // The database is unavailable: the batch goes back to the front, and flushing pauses.
        this.pending = batch.concat(this.pending.slice(this.head));
        this.head = 0;
        this.retryDelayMs = Math.min(RETRY_MAX_MS, Math.max(RETRY_MIN_MS, this.retryDelayMs * 2));
        this.retryAt = Date.now() + this.retryDelayMs;
      })
      .finally(() => {
        this.inFlight--;
        this.kick();
      });
  }

  private release(batch: Entry[]): void {
    let size = 0;
    for (const e of batch) size += e.bytes;
    // Never below zero: a flush still in flight when drain() gave up releases into an emptied count.
    this.events = Math.max(0, this.events - batch.length);
    this.bytes = Math.max(0, this.bytes - size);
  }
}
