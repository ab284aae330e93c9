import type { Logger } from "@/core/logger";
import { createFanout, type Broker, type BrokerEvent } from "./broker";

/**
 * One process's broker. Ids are microseconds since the epoch (or the last id + 1 when several
 * fall in one microsecond), so they keep increasing across restarts: a client resuming with an
 * id from before a restart never skips newer events. They stay below 2^53, exact as numbers.
 */
export function createMemoryBroker(options: { historySize: number; logger: Logger; maxEvents?: number }): Broker {
  const fanout = createFanout((err) => options.logger.error("event listener failed", { err }));
  // Topics in least-recently-published order (a Map keeps insertion order).
  const history = new Map<string, BrokerEvent[]>();
  // Every user has a topic: past this many events in all, the stalest topics' histories go.
  const maxEvents = options.maxEvents ?? Math.max(10_000, options.historySize * 100);
  let kept = 0;
  let last = 0;

  const remember = (event: BrokerEvent) => {
    if (options.historySize === 0) return;
    let ring = history.get(event.topic);
    if (ring) history.delete(event.topic);
    history.set(event.topic, (ring ??= []));
    ring.push(event);
    kept++;
    // Amortised trimming: drop the oldest in one splice once the ring is 10% over its size.
    if (ring.length > options.historySize * 1.1 + 1) kept -= ring.splice(0, ring.length - options.historySize).length;
    for (const [topic, stale] of history) {
      if (kept <= maxEvents || topic === event.topic) break;
      history.delete(topic);
      kept -= stale.length;
    }
  };

  // Fan-out runs after the publisher's turn, all of a turn's events at once and in order: a
  // payment's answer does not wait for thousands of streams to be woken.
  let outbox: BrokerEvent[] = [];
  const flush = () => {
    const events = outbox;
    outbox = [];
    for (const event of events) fanout.deliver(event);
  };
  const enqueue = (event: BrokerEvent) => {
    if (outbox.push(event) === 1) setImmediate(flush);
  };

  return {
    publish(topic, type, data, publishOptions) {
      if (publishOptions?.ephemeral) {
        enqueue({ id: String(last), topic, type, data, ephemeral: true });
        return;
      }
      last = Math.max(last + 1, Math.floor((performance.timeOrigin + performance.now()) * 1000));
      const event: BrokerEvent = { id: String(last), topic, type, data };
      remember(event);
      enqueue(event);
    },
    async publishNow(events) {
      for (const e of events) this.publish(e.topic, e.type, e.data);
    },
    subscribe: fanout.subscribe,
    async history(topics, afterId) {
      const after = Number(afterId);
      const out: BrokerEvent[] = [];
      for (const topic of new Set(topics)) {
        const ring = history.get(topic) ?? [];
        const kept = ring.slice(Math.max(0, ring.length - options.historySize));
        for (const e of kept) if (Number(e.id) > after) out.push(e);
      }
      return out.sort((a, b) => Number(a.id) - Number(b.id));
    },
    lastId: () => (last === 0 ? null : String(last)),
    async close() {
      fanout.clear();
      history.clear();
      kept = 0;
    },
  };
}
