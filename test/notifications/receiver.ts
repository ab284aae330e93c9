import { createHmac, timingSafeEqual } from "node:crypto";

// A real webhook receiver on 127.0.0.1 (Bun.serve): records every request, answers with the
// statuses it is told to, and checks signatures as a vendor's endpoint would.

export interface ReceivedHook {
  path: string;
  headers: Headers;
  raw: string;
  body: { id: string; type: string; created_at: string; data: Record<string, unknown> };
}

export type Answer = number | "hang" | { redirect: string };

export interface Receiver {
  url: string;
  received: ReceivedHook[];
  /** Answers for the next requests, in order; once used up, 200. */
  plan(...answers: Answer[]): void;
  /** Waits (event-driven, with a deadline) until `count` requests have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedHook[]>;
  close(): Promise<void>;
}

/** True when `X-MachPay-Signature` is the HMAC-SHA-256 of the raw body under `secret`. */
export function verifySignature(secret: string, hook: ReceivedHook): boolean {
  const given = /^sha256=([0-9a-f]{64})$/.exec(hook.headers.get("x-machpay-signature") ?? "")?.[1];
  if (!given) return false;
  const expected = createHmac("sha256", secret).update(hook.raw).digest();
  return timingSafeEqual(Buffer.from(given, "hex"), expected);
}

export function startReceiver(): Receiver {
  const received: ReceivedHook[] = [];
  const answers: Answer[] = [];
  const waiters = new Set<() => void>();
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    idleTimeout: 0,
    async fetch(req) {
      const raw = await req.text();
      const url = new URL(req.url);
      received.push({ path: url.pathname, headers: req.headers, raw, body: JSON.parse(raw) });
      for (const wake of [...waiters]) wake();
      const answer = answers.shift() ?? 200;
      if (answer === "hang") return new Promise<Response>(() => {});
      if (typeof answer === "object") return new Response(null, { status: 302, headers: { location: answer.redirect } });
      return new Response("ok", { status: answer });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    received,
    plan: (...a) => void answers.push(...a),
    waitFor(count, timeoutMs = 5000) {
      if (received.length >= count) return Promise.resolve(received);
      return new Promise((resolve, reject) => {
        const wake = () => {
          if (received.length < count) return;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(received);
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`receiver: ${received.length} of ${count} requests within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(wake);
      });
    },
    close: () => server.stop(true),
  };
}
