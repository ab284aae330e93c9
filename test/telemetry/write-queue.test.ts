import { describe, expect, test } from "bun:test";
import type { Entry } from "@/telemetry/ingest/entry";
import { WriteQueue, type QueueOptions } from "@/telemetry/ingest/queue";

// The write queue on its own, with a writer standing in for the flush (the database paths are
// tested through the receiver): flush by size and by time, retry after an unavailable database,
// and what shutdown gives up.

const entry = (n: number): Entry => ({ key: String(n), lines: {}, bytes: 10 });
const entries = (from: number, count: number) => Array.from({ length: count }, (_, i) => entry(from + i));
const options = (o: Partial<QueueOptions> = {}): QueueOptions => ({ maxEvents: 100, maxBytes: 10_000, flushEvents: 10, flushIntervalMs: 20, concurrency: 1, ...o });
const unavailable = () => Object.assign(new Error("connection refused"), { code: "ECONNREFUSED" });

async function until(check: () => boolean, ms = 3000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await Bun.sleep(5);
  }
}

describe("the write queue", () => {
  test("flushes by size at once, by time otherwise, in order; a backlog goes in larger batches", async () => {
    const batches: string[][] = [];
    let release: () => void = () => {};
    let hold = true;
    const q = new WriteQueue(options(), async (batch) => {
      batches.push(batch.map((e) => e.key));
      if (hold) await new Promise<void>((resolve) => (release = resolve));
    });
    expect(q.offer(entries(0, 5))).toBe(true);
    await until(() => batches.length === 1);
    // Under FLUSH_EVENTS: flushed after the interval.
    expect(batches[0]!.length).toBe(5);
    // While that flush is held, 95 more arrive: the next flush takes the backlog, up to 8 x 10.
    expect(q.offer(entries(5, 95))).toBe(true);
    hold = false;
    release();
    await until(() => q.depth().events === 0);
    expect(batches.map((b) => b.length)).toEqual([5, 80, 15]);
    expect(batches.flat()).toEqual(entries(0, 100).map((e) => e.key));
    expect(q.depth()).toEqual({ events: 0, bytes: 0 });
  });

  test("a batch the database could not take goes back to the front and is retried; counts hold meanwhile", async () => {
    let failures = 2;
    const written: string[] = [];
    const q = new WriteQueue(options({ maxEvents: 12 }), async (batch) => {
      if (failures-- > 0) throw unavailable();
      written.push(...batch.map((e) => e.key));
    });
    expect(q.offer(entries(0, 10))).toBe(true);
    expect(q.offer(entries(10, 2))).toBe(true);
    // Still counted while failing: the bound holds, a new request is refused whole.
    expect(q.offer(entries(12, 1))).toBe(false);
    expect(q.retryAfterSeconds()).toBeGreaterThanOrEqual(1);
    await until(() => q.depth().events === 0);
    expect(written).toEqual(entries(0, 12).map((e) => e.key));
  });

  test("shutdown: writes what it holds, or gives it up at the deadline and says how much", async () => {
    const q = new WriteQueue(options(), async () => {
      throw unavailable();
    });
    q.offer(entries(0, 15));
    expect(await q.drain(300)).toBe(15);
    expect(q.depth()).toEqual({ events: 0, bytes: 0 });
    expect(q.offer(entries(20, 1))).toBe(false);

    const ok = new WriteQueue(options({ flushIntervalMs: 60_000 }), async () => {});
    ok.offer(entries(0, 3));
    expect(await ok.drain(1000)).toBe(0);
    expect(ok.depth().events).toBe(0);
  });
});
