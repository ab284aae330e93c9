// The event broker behind SSE (contract.md "Real time"). Two implementations are chosen by
// BROKER: memory (one instance) and postgres (LISTEN/NOTIFY, every instance).

export interface BrokerEvent {
  /** Monotonic: a later event has a larger id, on every topic. Digits. */
  id: string;
  topic: string;
  type: string;
  data: unknown;
  /**
   * A snapshot that is never stored nor sent to other instances (stats): it has no id of its own,
   * and a stream labels it with the last id it sent, so that resuming from it loses nothing.
   */
  ephemeral?: true;
}

export type Listener = (event: BrokerEvent) => void;

export interface PublishOptions {
  /** Deliver to this instance's subscribers only, outside the history (see BrokerEvent.ephemeral). */
  ephemeral?: boolean;
}

export interface Broker {
  /** Never blocks the caller on a slow subscriber: delivery is queued per subscriber. */
  publish(topic: string, type: string, data: unknown, options?: PublishOptions): void;
  /**
   * Publishes these events now and resolves once they are stored for every instance (postgres) or
   * handed to this instance's subscribers (memory); rejects when they could not be, so that a
   * caller delivering at least once keeps them. publish() instead queues and, under a backlog, drops.
   */
  publishNow(events: readonly { topic: string; type: string; data: unknown }[]): Promise<void>;
  /** Listeners must not block: they are called synchronously, in id order. */
  subscribe(topics: readonly string[], listener: Listener): () => void;
  /** Events after `afterId` on these topics still in the bounded history, oldest first. */
  history(topics: readonly string[], afterId: string): Promise<BrokerEvent[]>;
  /** The id of the last event delivered to this instance's subscribers (null before any). */
  lastId(): string | null;
  close(): Promise<void>;
}

/** JSON for event payloads: bigint money becomes a digit string, as everywhere in the API. */
export function eventJson(data: unknown): string {
  return JSON.stringify(data, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

/** Subscribers by topic, shared by both brokers for local delivery. */
export function createFanout(onError: (err: unknown) => void) {
  const byTopic = new Map<string, Set<Listener>>();
  return {
    subscribe(topics: readonly string[], listener: Listener) {
      for (const t of topics) {
        let set = byTopic.get(t);
        if (!set) byTopic.set(t, (set = new Set()));
        set.add(listener);
      }
      return () => {
        for (const t of topics) {
          const set = byTopic.get(t);
          set?.delete(listener);
          if (set?.size === 0) byTopic.delete(t);
        }
      };
    },
    deliver(event: BrokerEvent) {
      const set = byTopic.get(event.topic);
      if (!set) return;
      for (const listener of set) {
        try {
          listener(event);
        } catch (err) {
          onError(err);
        }
      }
    },
    clear: () => byTopic.clear(),
  };
}
