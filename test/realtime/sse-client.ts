import { EventSource } from "eventsource";

// A real SSE client (npm eventsource, the WHATWG EventSource) that records what it receives.

export interface Received {
  type: string;
  id: string;
  data: any;
}

export interface Client {
  es: EventSource;
  events: Received[];
  errors: { code: number | undefined; message: string | undefined }[];
  /** Resolves with the first event (already received or future) matching; rejects after `ms`. */
  waitFor(match: (e: Received) => boolean, ms?: number): Promise<Received>;
  waitForError(ms?: number): Promise<{ code: number | undefined }>;
  close(): void;
}

const TYPES = ["connected", "ticker", "stats", "payment.sent", "payment.received", "balance.low", "balance.updated"];

export function openStream(url: string, options: { headers?: Record<string, string>; types?: string[] } = {}): Client {
  const es = new EventSource(url, {
    fetch: (input, init) => fetch(input, { ...init, headers: { ...init.headers, ...options.headers } }),
  });
  const events: Received[] = [];
  const errors: Client["errors"] = [];
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((w) => w());
  for (const type of [...TYPES, ...(options.types ?? [])]) {
    es.addEventListener(type, (e) => {
      const m = e as MessageEvent;
      events.push({ type, id: m.lastEventId, data: JSON.parse(m.data) });
      notify();
    });
  }
  es.addEventListener("error", (e) => {
    errors.push({ code: (e as { code?: number }).code, message: (e as { message?: string }).message });
    notify();
  });
  const until = <T>(probe: () => T | undefined, ms: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const hit = probe();
        if (hit !== undefined) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(hit);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(events.map((e) => e.type))}`));
      }, ms);
      waiters.add(check);
      check();
    });
  return {
    es,
    events,
    errors,
    waitFor: (match, ms = 5000) => until(() => events.find(match), ms, "an event"),
    waitForError: (ms = 5000) => until(() => errors[0], ms, "an error"),
    close: () => es.close(),
  };
}
