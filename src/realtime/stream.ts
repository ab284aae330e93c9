import type { SSEStreamingApi } from "hono/streaming";
import type { Logger } from "@/core/logger";
import { eventJson, type Broker, type BrokerEvent } from "./broker";

/** What EventSource waits before reconnecting after the stream ends (it then sends Last-Event-ID). */
export const RETRY_MS = 2000;
/** Events a subscriber may have waiting; a client that falls this far behind is cut. */
export const MAX_QUEUED = 1000;

export interface StreamOptions {
  broker: Broker;
  topics: string[];
  /** Last-Event-ID: the client has everything up to it. */
  afterId: bigint | null;
  heartbeatMs: number;
  maxQueued: number;
  log: Logger;
}

type Item = BrokerEvent | "heartbeat";

/**
 * One SSE subscriber. The broker's callback only queues (publishing never waits on a socket);
 * this stream's own loop writes the queue out, so a slow socket slows only itself, and a queue
 * past `maxQueued` ends the stream rather than growing. stop() is idempotent and unsubscribes.
 */
export class EventStream {
  private queue: Item[] = [];
  private wake: (() => void) | undefined;
  private stopped = false;
  private unsubscribe: (() => void) | undefined;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private sse: SSEStreamingApi | undefined;
  private finished!: () => void;
  /** Why it stopped (client_closed, slow_client, shutdown, ended), once it has. */
  stopReason: string | undefined;
  /** Resolves when the loop has returned (the response then ends). */
  readonly done = new Promise<void>((resolve) => (this.finished = resolve));

  constructor(
    private readonly o: StreamOptions,
    private readonly onStop: (stream: EventStream, reason: string) => void,
  ) {}

  get topics(): readonly string[] {
    return this.o.topics;
  }

  async run(sse: SSEStreamingApi): Promise<void> {
    this.sse = sse;
    try {
      sse.onAbort(() => this.stop("client_closed"));
      // Read the position and subscribe in one synchronous step: every event delivered from here
      // on is newer than `position`, so none falls between the two.
      const position = this.o.broker.lastId();
      this.unsubscribe = this.o.broker.subscribe(this.o.topics, (e) => this.push(e));
      let last = this.o.afterId ?? (position === null ? null : BigInt(position));
      await sse.writeSSE({
        event: "connected",
        data: eventJson({ topics: this.o.topics, resumed_from: this.o.afterId?.toString() ?? null }),
        retry: RETRY_MS,
        ...(last !== null ? { id: last.toString() } : {}),
      });
      if (this.o.afterId !== null) {
        for (const e of await this.o.broker.history(this.o.topics, this.o.afterId.toString())) {
          if (this.stopped) break;
          await sse.writeSSE({ event: e.type, id: e.id, data: eventJson(e.data) });
          last = BigInt(e.id);
        }
      }
      this.heartbeat = setInterval(() => {
        if (this.queue.length === 0) this.push("heartbeat");
      }, this.o.heartbeatMs);
      while (!this.stopped) {
        const item = this.queue.shift();
        if (item === undefined) {
          await new Promise<void>((resolve) => (this.wake = resolve));
          this.wake = undefined;
          continue;
        }
        if (item === "heartbeat") {
          await sse.write(": heartbeat\n\n");
          continue;
        }
        if (!item.ephemeral) {
          const id = BigInt(item.id);
          // Already sent from the history, or older than what the client said it has.
          if (last !== null && id <= last) continue;
          last = id;
        }
        // An ephemeral snapshot carries the last id sent, so resuming from it skips nothing.
        await sse.writeSSE({ event: item.type, data: eventJson(item.data), ...(last !== null ? { id: last.toString() } : {}) });
      }
    } finally {
      this.stop("ended");
      this.finished();
    }
  }

  private push(item: Item) {
    if (this.stopped) return;
    if (this.queue.length >= this.o.maxQueued) {
      this.o.log.warn("SSE client too slow; stream cut", { topics: this.o.topics, queued: this.queue.length });
      this.stop("slow_client");
      // Its socket is not draining: end the response now rather than waiting on a write.
      this.sse?.abort();
      return;
    }
    this.queue.push(item);
    this.wake?.();
  }

  stop(reason: string) {
    if (this.stopped) return;
    this.stopped = true;
    this.stopReason = reason;
    this.unsubscribe?.();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.queue.length = 0;
    this.wake?.();
    this.onStop(this, reason);
  }

  /** Ends the stream for a server shutdown: gracefully, or by force if its client is not reading. */
  async shutdown(graceMs: number): Promise<void> {
    this.stop("shutdown");
    const timer = new Promise<"late">((resolve) => setTimeout(() => resolve("late"), graceMs).unref?.());
    if ((await Promise.race([this.done, timer])) === "late") this.sse?.abort();
    await Promise.race([this.done, new Promise((resolve) => setTimeout(resolve, graceMs).unref?.())]);
  }
}
