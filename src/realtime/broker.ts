// The event broker behind SSE (contract.md "Real time"). Two implementations are chosen by
// BROKER: memory (one instance) and postgres (LISTEN/NOTIFY, every instance).

export interface BrokerEvent {
  /** Monotonic: a later event has a larger id, on every topic. */
  id: string;
  topic: string;
  type: string;
  data: unknown;
}

export type Listener = (event: BrokerEvent) => void;

export interface Broker {
  /** Never blocks the caller on a slow subscriber: delivery is queued per subscriber. */
  publish(topic: string, type: string, data: unknown): void;
  subscribe(topics: readonly string[], listener: Listener): () => void;
  /** Events after `afterId` on these topics still in the bounded history, oldest first. */
  history(topics: readonly string[], afterId: string): Promise<BrokerEvent[]>;
  close(): Promise<void>;
}
