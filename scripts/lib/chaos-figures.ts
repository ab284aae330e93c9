// What a fault run found, computed from the recorded attempts, the faults' timeline and the ledger's
// transactions. Pure: chaos-report.ts prints these and decides the verdict.
import { definitive, succeeded, type Attempt, type Payment } from "./chaos-load";

export interface Fault {
  name: string;
  /** Epoch ms: the fault began (kill, stop). */
  startedAt: number;
  /** Epoch ms: the service is back (server answering /health, PostgreSQL accepting connections). */
  endedAt: number;
  /** What the fault's steps took, when the script says. */
  note?: string;
}

export interface LedgerRow {
  reference: string | null;
  id: string;
  /** Epoch ms, the transaction's created_at: the server's clock when the payment's batch started. */
  createdAt: number;
  /** Epoch ms, when its SQL transaction committed. */
  committedAt: number;
  /** From the request's arrival at the server to that decision. */
  latencyMs: number;
}

export interface Thresholds {
  /** A request taking longer than this after recovery is slow. */
  slowMs: number;
  /** Requests sent within this long after the first 2xx are still part of the recovery. */
  graceMs: number;
  /** A fault with no 2xx this long after its end has not healed. */
  healMs: number;
  /** A commit this long after its request was sent came after the client gave up. */
  lateMs: number;
}

export interface FaultFigures {
  fault: Fault;
  /** From the fault's end to the first 2xx of a request sent after it; null when there was none. */
  recoveryMs: number | null;
  /** Requests sent from recovery + grace until the next fault. */
  observed: number;
  slow: Attempt[];
}

const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
export const outcomeOf = (a: Attempt) => (a.status === null ? a.code ?? "error" : a.code ? `${a.status} ${a.code}` : String(a.status));

const firstAttempts = (payments: Payment[]) => payments.map((p) => p.attempts[0]!).sort((a, b) => a.sentAt - b.sentAt);

/**
 * First attempts sent in [from, until) and those of them slower than `slowMs`, counting only the
 * time before `cap` (the next fault's start: a request slowed down by that fault is not counted).
 */
export function slowBetween(firsts: Attempt[], from: number, until: number, cap: number, slowMs: number): { observed: number; slow: Attempt[] } {
  const window = firsts.filter((a) => a.sentAt >= from && a.sentAt < until);
  return { observed: window.length, slow: window.filter((a) => Math.min(a.answeredAt, cap) - a.sentAt > slowMs) };
}

/** Slow requests before the first fault: the machine's own baseline under this load. */
export function baselineSlow(payments: Payment[], loadStart: number, faults: Fault[], t: Thresholds) {
  return slowBetween(firstAttempts(payments), loadStart + t.graceMs, faults[0]?.startedAt ?? Infinity, faults[0]?.startedAt ?? Infinity, t.slowMs);
}

/** Recovery and slow requests per fault; `loadEnd` closes the window of the last one. */
export function faultFigures(payments: Payment[], faults: Fault[], loadEnd: number, t: Thresholds): FaultFigures[] {
  const firsts = firstAttempts(payments);
  return faults.map((fault, i) => {
    const next = faults[i + 1]?.startedAt;
    let recoveredAt: number | null = null;
    for (const a of firsts) {
      if (a.sentAt >= fault.endedAt && succeeded(a) && (recoveredAt === null || a.answeredAt < recoveredAt)) recoveredAt = a.answeredAt;
    }
    const from = recoveredAt === null ? Infinity : recoveredAt + t.graceMs;
    // After the last fault the whole request counts: the load waits for every request to end.
    const { observed, slow } = slowBetween(firsts, from, next ?? loadEnd, next ?? Infinity, t.slowMs);
    return { fault, recoveryMs: recoveredAt === null ? null : recoveredAt - fault.endedAt, observed, slow };
  });
}

export interface PaymentFigures {
  sent: { api: number; gateway: number };
  acknowledgedFirst: number;
  acknowledgedAfterReplay: number;
  /** Final definitive refusals (4xx), by outcome. */
  refused: Map<string, number>;
  unresolved: number;
  exactlyOnce: number;
  missing: string[];
  doubled: string[];
  /** Acknowledged with a transaction id other than the ledger's. */
  idMismatch: string[];
  /** Ledger transactions whose reference no client sent. */
  invented: number;
  /** Committed by the request of a replay, not the first attempt's. */
  committedByReplay: number;
  /** Committed by a request that got no 2xx (its client never heard): by that request's outcome. */
  committedUnacknowledged: Map<string, number>;
  /** The attempt that committed answered a refusal: a 503 other than payment_outcome_unknown, or a 4xx. */
  lies: { reference: string; outcome: string }[];
  late: number;
  maxCommitDelayMs: number;
  firstOutcomes5xx: Map<string, number>;
  replayOutcomes5xx: Map<string, number>;
  /** First attempts without an HTTP answer, by kind. */
  noAnswer: Map<string, number>;
  /** The 500s, by outcome, every attempt. */
  internalErrors: number;
}

/**
 * The attempt whose request made the transaction: the one answered 2xx without Idempotent-Replayed
 * when there is one; else the one sent closest to the request's arrival at the server, which is
 * created_at (the batch's start) less latency_ms (from arrival to the batch's decision, a round
 * trip after its start). Attempts of one payment are at least the back-off apart.
 */
function committingAttempt(attempts: Attempt[], row: LedgerRow): Attempt {
  const fresh = attempts.find((a) => succeeded(a) && !a.replayed);
  if (fresh) return fresh;
  const arrival = row.createdAt - row.latencyMs;
  const candidates = attempts.filter((a) => a.sentAt <= row.createdAt + 1);
  if (candidates.length === 0) return attempts[0]!;
  return candidates.reduce((a, b) => (Math.abs(b.sentAt - arrival) < Math.abs(a.sentAt - arrival) ? b : a));
}

export function paymentFigures(payments: Payment[], rows: LedgerRow[], t: Thresholds): PaymentFigures {
  const byReference = new Map<string, LedgerRow[]>();
  for (const row of rows) {
    if (row.reference === null) continue;
    const list = byReference.get(row.reference);
    if (list) list.push(row);
    else byReference.set(row.reference, [row]);
  }
  const f: PaymentFigures = {
    sent: { api: 0, gateway: 0 },
    acknowledgedFirst: 0, acknowledgedAfterReplay: 0, refused: new Map(), unresolved: 0,
    exactlyOnce: 0, missing: [], doubled: [], idMismatch: [], invented: 0,
    committedByReplay: 0, committedUnacknowledged: new Map(), lies: [], late: 0, maxCommitDelayMs: 0,
    firstOutcomes5xx: new Map(), replayOutcomes5xx: new Map(), noAnswer: new Map(), internalErrors: 0,
  };
  let ours = 0;
  for (const p of payments) {
    f.sent[p.path]++;
    const [first, ...replays] = p.attempts as [Attempt, ...Attempt[]];
    const last = p.attempts.at(-1)!;
    const acked = p.attempts.filter(succeeded);
    const found = byReference.get(p.reference) ?? [];
    ours += found.length;

    if (succeeded(first)) f.acknowledgedFirst++;
    else if (acked.length > 0) f.acknowledgedAfterReplay++;
    else if (definitive(last)) count(f.refused, outcomeOf(last));
    else f.unresolved++;
    if (first.status === null) count(f.noAnswer, first.code ?? "error");
    else if (first.status >= 500) count(f.firstOutcomes5xx, outcomeOf(first));
    for (const r of replays) if (r.status !== null && r.status >= 500) count(f.replayOutcomes5xx, outcomeOf(r));
    f.internalErrors += p.attempts.filter((a) => a.status === 500).length;

    if (found.length === 1) f.exactlyOnce++;
    if (found.length > 1) f.doubled.push(p.reference);
    if (found.length === 0 && acked.length > 0) f.missing.push(p.reference);
    if (found.length === 1 && acked.some((a) => a.transactionId !== found[0]!.id)) f.idMismatch.push(p.reference);
    if (found.length === 0) continue;

    const row = found.reduce((a, b) => (b.createdAt < a.createdAt ? b : a));
    const committer = committingAttempt(p.attempts, row);
    if (committer !== first) f.committedByReplay++;
    if (!succeeded(committer)) count(f.committedUnacknowledged, outcomeOf(committer));
    const delay = row.committedAt - committer.sentAt;
    f.maxCommitDelayMs = Math.max(f.maxCommitDelayMs, delay);
    if (delay > t.lateMs) f.late++;
    // Any 503 but payment_outcome_unknown says "nothing was paid"; so does a 4xx that is final.
    const refusal = committer.status !== null && ((committer.status === 503 && committer.code !== "payment_outcome_unknown") || (committer.status < 500 && !succeeded(committer) && definitive(committer)));
    if (refusal) f.lies.push({ reference: p.reference, outcome: outcomeOf(committer) });
  }
  f.invented = rows.length - ours;
  return f;
}
