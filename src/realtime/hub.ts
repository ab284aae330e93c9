import { AppError } from "@/core/errors";
import type { Broker } from "./broker";
import type { StreamMetrics } from "./metrics";
import { topicKind } from "./metrics";
import type { EventStream } from "./stream";

const RETRY_AFTER_SECONDS = 10;

/**
 * The open SSE streams of one app, and how many each user holds. The routes admit streams; the
 * real-time runtime's stop ends them all. Shared through the broker both receive in deps.
 */
export class StreamHub {
  private streams = new Set<EventStream>();
  private perUser = new Map<string, number>();
  closing = false;
  /** Set by the module's assembly (realtimeModule); absent, nothing is counted. */
  metrics: StreamMetrics | undefined;

  get size() {
    return this.streams.size;
  }

  /** Takes a slot for a user (null: anonymous, uncapped); throws 429 past the cap. */
  admit(userKey: string | null, max: number): () => void {
    if (this.closing) {
      throw new AppError("shutting_down", "this server is shutting down; reconnect in a moment", { headers: { "Retry-After": "1" } });
    }
    if (userKey === null) return () => {};
    const open = this.perUser.get(userKey) ?? 0;
    if (open >= max) {
      this.metrics?.refusedOverCap();
      const reset = Math.ceil(Date.now() / 1000) + RETRY_AFTER_SECONDS;
      throw new AppError("too_many_streams", `at most ${max} event streams per user are open at once; close one first`, {
        headers: {
          "Retry-After": String(RETRY_AFTER_SECONDS),
          "X-RateLimit-Limit": String(max),
          "X-RateLimit-Remaining": "0",
          "X-RateLimit-Reset": String(reset),
        },
        details: { limit: max, retry_after_seconds: RETRY_AFTER_SECONDS },
      });
    }
    this.perUser.set(userKey, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.perUser.get(userKey) ?? 1) - 1;
      if (left <= 0) this.perUser.delete(userKey);
      else this.perUser.set(userKey, left);
    };
  }

  add(stream: EventStream) {
    this.streams.add(stream);
  }

  remove(stream: EventStream) {
    if (this.streams.delete(stream)) this.metrics?.ended(stream.stopReason ?? "ended");
  }

  /** Open streams by topic kind, for /metrics at scrape time. */
  countByTopicKind(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const stream of this.streams) {
      for (const kind of new Set(stream.topics.map(topicKind))) counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    return counts;
  }

  /** Refuses new streams and ends the open ones. */
  async closeAll(graceMs: number): Promise<void> {
    this.closing = true;
    await Promise.all([...this.streams].map((s) => s.shutdown(graceMs)));
    this.streams.clear();
  }
}

const hubs = new WeakMap<Broker, StreamHub>();

export function hubOf(broker: Broker): StreamHub {
  let hub = hubs.get(broker);
  if (!hub) hubs.set(broker, (hub = new StreamHub()));
  return hub;
}
