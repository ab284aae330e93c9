// The load of a fault run: closed-loop clients, each payment with its own reference and
// Idempotency-Key, every attempt recorded (times, status, error code, transaction id). Then the
// replay: every payment without a definitive answer is sent again, same key and body, until it has
// one; this is what a careful client does, and it must never pay twice.
import type { BenchAgent, BenchVendor } from "./bench-fixtures";
import { signIntent } from "./bench-fixtures";

export interface Attempt {
  /** Epoch milliseconds (Date.now()), comparable with the ledger's created_at. */
  sentAt: number;
  answeredAt: number;
  /** null: no HTTP answer (timeout or connection error). */
  status: number | null;
  failure: "timeout" | "connection" | null;
  /** The error envelope's code, or the connection error's code. */
  code: string | null;
  transactionId: string | null;
  /** Answered from the Idempotency-Key's stored answer (Idempotent-Replayed: true). */
  replayed: boolean;
}

export interface Payment {
  path: "api" | "gateway";
  reference: string;
  idempotencyKey: string;
  url: string;
  authorization: string;
  /** Dropped once the payment has a definitive answer; a replay sends exactly this. */
  body: string | null;
  attempts: Attempt[];
}

export interface LoadOptions {
  baseUrl: string;
  clients: number;
  /** How many of the clients pay through POST /v1/gateway/payments (signed intents). */
  gatewayClients: number;
  timeoutMs: number;
  /** Pause of a client after an answer that was not definitive, as a real client backs off. */
  backoffMs: number;
  agents: BenchAgent[];
  vendors: BenchVendor[];
  mint: string;
  amount: bigint;
}

// 409 idempotency_in_progress (the key's first request still runs) and 429 ask to come back later.
const RETRY_LATER = new Set(["idempotency_in_progress", "rate_limited"]);

/** A 2xx, or a 4xx that refuses for good: the payment's outcome is known. */
export const definitive = (a: Attempt) => a.status !== null && a.status < 500 && !(a.status >= 400 && RETRY_LATER.has(a.code ?? ""));
export const succeeded = (a: Attempt) => a.status !== null && a.status >= 200 && a.status < 300;

export async function send(p: Payment, timeoutMs: number): Promise<Attempt> {
  const sentAt = Date.now();
  const attempt = (fields: Partial<Attempt>): Attempt => ({
    sentAt, answeredAt: Date.now(), status: null, failure: null, code: null, transactionId: null, replayed: false, ...fields,
  });
  try {
    const res = await fetch(p.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: p.authorization, "idempotency-key": p.idempotencyKey },
      body: p.body!,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let json: { transaction?: { id?: string }; error?: { code?: string } } = {};
    try {
      json = JSON.parse(text);
    } catch {
      // A body that is not JSON (a proxy's page): the status still says what happened.
    }
    return attempt({
      status: res.status,
      code: json.error?.code ?? (res.ok ? null : "not_an_error_envelope"),
      transactionId: json.transaction?.id ?? null,
      replayed: res.headers.get("idempotent-replayed") === "true",
    });
  } catch (err) {
    const e = err as { name?: string; code?: string };
    const timeout = e.name === "TimeoutError" || e.name === "AbortError";
    return attempt({ failure: timeout ? "timeout" : "connection", code: timeout ? "timeout" : (e.code ?? e.name ?? "error") });
  }
}

export interface RunningLoad {
  payments: Payment[];
  /** Stops sending; resolves once every client's request in flight has ended (answer or timeout). */
  stop(): Promise<void>;
}

export function startLoad(o: LoadOptions): RunningLoad {
  const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const payments: Payment[] = [];
  let stopping = false;
  let seq = 0;

  function nextPayment(path: "api" | "gateway"): Payment {
    const n = seq++;
    const agent = o.agents[n % o.agents.length]!;
    const vendor = o.vendors[n % o.vendors.length]!;
    const reference = `chaos-${run}-${n}`;
    const common = { reference, idempotencyKey: `${reference}-key`, attempts: [] };
    if (path === "api") {
      const body = JSON.stringify({ to: vendor.id.toString(), amount_atomic: o.amount.toString(), reference });
      return { ...common, path, url: `${o.baseUrl}/v1/agent/pay`, authorization: `Bearer ${agent.key}`, body };
    }
    // Nonces are unique per agent because the sequence is.
    const body = JSON.stringify({ ...signIntent(agent, vendor, o.mint, o.amount, BigInt(n + 1)), reference });
    return { ...common, path, url: `${o.baseUrl}/v1/gateway/payments`, authorization: `Bearer ${vendor.gatewayKey}`, body };
  }

  const clients = Array.from({ length: o.clients }, async (_, c) => {
    const path = c < o.gatewayClients ? "gateway" : "api";
    while (!stopping) {
      const p = nextPayment(path);
      payments.push(p);
      const a = await send(p, o.timeoutMs);
      p.attempts.push(a);
      if (definitive(a)) p.body = null;
      else await Bun.sleep(o.backoffMs);
    }
  });
  return {
    payments,
    async stop() {
      stopping = true;
      await Promise.all(clients);
    },
  };
}

/**
 * Sends every payment without a definitive answer again (same Idempotency-Key, same body), a few
 * at a time, until each has one or `deadlineMs` has passed. Returns how many were replayed.
 */
export async function replayUnanswered(payments: Payment[], o: { timeoutMs: number; concurrency: number; deadlineMs: number }): Promise<number> {
  const pending = payments.filter((p) => !definitive(p.attempts.at(-1)!));
  const end = Date.now() + o.deadlineMs;
  let next = 0;
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      for (let p = pending[next++]; p; p = pending[next++]) {
        while (Date.now() < end) {
          const a = await send(p, o.timeoutMs);
          p.attempts.push(a);
          if (definitive(a)) break;
          await Bun.sleep(250);
        }
      }
    }),
  );
  return pending.length;
}
