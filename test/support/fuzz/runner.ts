import { rightCredentials, variantsOf } from "./bases";
import type { FuzzCast } from "./cast";
import { MUTATION_CLASSES, mutationsFor, type Mutation, type MutationClass } from "./mutations";
import { basePlan } from "./plan";
import type { Rng } from "./random";
import { materialize, type AuthKind } from "./request";
import { operationsOf, UNDOCUMENTED_ROUTES, type OpenApiDocument, type Operation } from "./spec";
import { judge, refusedByHttpServer } from "./verdict";

// Sends probes (an operation, a mutation or none, credentials or none) and keeps the figures:
// requests sent, answers by status, and every answer that breaks the contract with the request
// that reproduces it.

export interface Probe {
  op: Operation;
  /** The base (bases.ts) the mutations were made from. */
  variant: number;
  mutations: Mutation[];
  /** One of the operation's right credentials, or none: chosen when the probe is made, so a seed replays. */
  auth: AuthKind;
}

export interface Failure {
  op: string;
  what: string;
  status: number | string;
  reason: string;
  repro: string;
}

export interface FuzzStats {
  sent: number;
  /** Requests the HTTP client itself refused to send (NUL or CR/LF in a header). */
  unsendable: number;
  /** Answered by Bun's HTTP parser, never reaching the app (oversized or control characters in headers). */
  refusedByServer: number;
  byStatus: Map<number, number>;
  byClass: Map<MutationClass | "base", number>;
  /** 429 answers by operation: the limits the fuzz app raises should leave only designed ones (polling pace). */
  rateLimited: Map<string, number>;
  /** The slowest requests (ms and what), slowest first: where a run's time goes. */
  slowest: { ms: number; what: string }[];
  /** The last answer to each operation's plausible, credentialed request: the handler ran if it is not a 400. */
  baseAnswers: Map<string, string>;
  failures: Failure[];
}

export interface FuzzTarget {
  url: string;
  doc: OpenApiDocument;
  cast: FuzzCast;
  ops: Operation[];
  /** Every mutation of every operation, by operation id. */
  mutations: Map<string, Mutation[]>;
}

const REQUEST_TIMEOUT_MS = 15_000;

export async function prepareTarget(url: string, cast: FuzzCast): Promise<FuzzTarget> {
  const doc = (await (await fetch(`${url}/openapi.json`)).json()) as OpenApiDocument;
  const ops = [...operationsOf(doc), ...UNDOCUMENTED_ROUTES];
  const mutations = new Map<string, Mutation[]>();
  for (const op of ops) {
    const list: Mutation[] = [];
    for (let v = 0; v < variantsOf(op); v++) list.push(...mutationsFor(doc, await basePlan(doc, op, cast, rightCredentials(op)[0]!, v), v));
    mutations.set(op.id, list);
  }
  return { url, doc, cast, ops, mutations };
}

export const newStats = (): FuzzStats => ({ sent: 0, unsendable: 0, refusedByServer: 0, byStatus: new Map(), byClass: new Map(), rateLimited: new Map(), baseAnswers: new Map(), slowest: [], failures: [] });

const bump = <K>(m: Map<K, number>, k: K) => m.set(k, (m.get(k) ?? 0) + 1);

function noteTime(stats: FuzzStats, ms: number, what: string) {
  const slowest = stats.slowest;
  if (slowest.length >= 5 && ms <= slowest[slowest.length - 1]!.ms) return;
  slowest.push({ ms, what });
  slowest.sort((a, b) => b.ms - a.ms);
  slowest.length = Math.min(slowest.length, 5);
}

export async function sendProbe(target: FuzzTarget, probe: Probe, stats: FuzzStats): Promise<void> {
  const { op } = probe;
  let plan = await basePlan(target.doc, op, target.cast, probe.auth, probe.variant);
  for (const m of probe.mutations) plan = m.apply(plan);
  if (probe.auth === "none") plan = { ...plan, auth: "none" };
  const request = await materialize(target.url, plan, target.cast.credentials);
  const what = probe.mutations.map((m) => `[${m.cls}] ${m.target}`).join(" + ") || "[base] plausible request";
  for (const cls of probe.mutations.length > 0 ? probe.mutations.map((m) => m.cls) : ["base" as const]) bump(stats.byClass, cls);
  try {
    new Headers(request.init.headers);
  } catch {
    stats.unsendable++;
    return;
  }
  stats.sent++;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
  const fail = (status: number | string, reason: string) => stats.failures.push({ op: op.id, what: `${what} (${plan.auth})`, status, reason, repro: request.repro });
  try {
    const started = performance.now();
    const res = await fetch(request.url, { ...request.init, signal: abort.signal, redirect: "manual" });
    bump(stats.byStatus, res.status);
    const contentType = res.headers.get("content-type") ?? "";
    // A stream that opened is judged by its status and headers; then it is closed.
    const text = contentType.includes("text/event-stream") ? (abort.abort(), "") : await res.text();
    noteTime(stats, performance.now() - started, `${op.id} ${what}`);
    const answer = { method: request.init.method, status: res.status, contentType, requestIdHeader: res.headers.get("x-request-id"), replayed: res.headers.get("idempotent-replayed") === "true", text };
    if (res.status === 429) bump(stats.rateLimited, op.id);
    if (probe.mutations.length === 0 && (probe.auth !== "none" || rightCredentials(op)[0] === "none")) stats.baseAnswers.set(`${op.id}#${probe.variant}`, `${res.status}${res.status >= 400 ? ` ${text.slice(0, 160)}` : ""}`);
    if (refusedByHttpServer(answer)) stats.refusedByServer++;
    const reason = judge(op, answer);
    if (reason) fail(res.status, reason);
  } catch (err) {
    fail("no answer", abort.signal.aborted ? `no answer within ${REQUEST_TIMEOUT_MS} ms` : `the connection failed: ${String(err)}`);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs probes `concurrency` at a time, taking the next one from `next` until it returns null. */
export async function runProbes(target: FuzzTarget, next: () => Probe | null, stats: FuzzStats, concurrency: number): Promise<void> {
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let probe = next(); probe; probe = next()) await sendProbe(target, probe, stats);
    }),
  );
}

/**
 * The bounded sample: for every operation its plausible requests (with and without credentials),
 * every core mutation (the likeliest breaker of each field), and for every mutation class that
 * applies, `perClass` more picked by the seed; the first of each class is also sent without
 * credentials.
 */
export function coverageSample(target: FuzzTarget, rng: Rng, perClass: number): Probe[] {
  const probes: Probe[] = [];
  for (const op of target.ops) {
    const right = () => rng.pick(rightCredentials(op));
    const needsAuth = rightCredentials(op)[0] !== "none";
    for (let variant = 0; variant < variantsOf(op); variant++) {
      probes.push({ op, variant, mutations: [], auth: right() });
      if (needsAuth) probes.push({ op, variant, mutations: [], auth: "none" });
    }
    const all = target.mutations.get(op.id) ?? [];
    for (const m of all) if (m.core) probes.push({ op, variant: m.variant, mutations: [m], auth: right() });
    for (const cls of MUTATION_CLASSES) {
      const picked = rng.shuffle(all.filter((m) => m.cls === cls && !m.core)).slice(0, perClass);
      const first = all.find((m) => m.cls === cls);
      if (first && needsAuth && cls !== "credentials") probes.push({ op, variant: first.variant, mutations: [first], auth: "none" });
      for (const m of picked) probes.push({ op, variant: m.variant, mutations: [m], auth: right() });
    }
  }
  return rng.shuffle(probes);
}

/** An endless random stream: any operation, one mutation (sometimes two), usually credentialed. */
export function randomProbe(target: FuzzTarget, rng: Rng): Probe {
  const op = rng.pick(target.ops);
  const all = target.mutations.get(op.id) ?? [];
  const classes = MUTATION_CLASSES.filter((c) => all.some((m) => m.cls === c));
  const variant = rng.int(variantsOf(op));
  const ofVariant = all.filter((m) => m.variant === variant);
  const pickOne = () => {
    const cls = rng.pick(classes.filter((c) => ofVariant.some((m) => m.cls === c)));
    return rng.pick(ofVariant.filter((m) => m.cls === cls));
  };
  const mutations = ofVariant.length === 0 || rng.chance(0.03) ? [] : rng.chance(0.2) ? [pickOne(), pickOne()] : [pickOne()];
  return { op, variant, mutations, auth: rng.chance(0.85) ? rng.pick(rightCredentials(op)) : "none" };
}

/** Classes covered per operation by a list of probes, for the test's own check. */
export function coverageOf(probes: Probe[]): Map<string, Set<MutationClass>> {
  const out = new Map<string, Set<MutationClass>>();
  for (const p of probes) for (const m of p.mutations) (out.get(p.op.id) ?? out.set(p.op.id, new Set()).get(p.op.id)!).add(m.cls);
  return out;
}

/** Failures grouped by operation, status and reason: one line per distinct defect. */
export function summarizeFailures(failures: Failure[]): string {
  const groups = new Map<string, { n: number; example: Failure }>();
  for (const f of failures) {
    const key = `${f.op} ${f.status} ${f.reason.slice(0, 90)}`;
    const g = groups.get(key);
    if (g) g.n++;
    else groups.set(key, { n: 1, example: f });
  }
  return [...groups.entries()].map(([key, g]) => `${g.n}x ${key}\n     e.g. ${g.example.what}`).join("\n");
}

export function formatFailures(failures: Failure[], max = 20): string {
  const shown = failures.slice(0, max).map((f, i) => `#${i + 1} ${f.op} ${f.what}\n   answered ${f.status}: ${f.reason}\n   ${f.repro.replaceAll("\n", "\n   ")}`);
  const more = failures.length > max ? `\n…and ${failures.length - max} more` : "";
  return shown.join("\n\n") + more;
}

export function formatStats(stats: FuzzStats): string {
  const statuses = [...stats.byStatus.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}: ${n}`).join(", ");
  const classes = [...stats.byClass.entries()].sort(([a], [b]) => String(a).localeCompare(String(b))).map(([c, n]) => `${c} ${n}`).join(", ");
  const fivexx = [...stats.byStatus.entries()].filter(([s]) => s >= 500).reduce((sum, [, n]) => sum + n, 0);
  return [
    `requests sent: ${stats.sent} (${stats.unsendable} more the HTTP client refused to send; ${stats.refusedByServer} refused by the HTTP server before the app: oversized or control characters in headers)`,
    `by status: ${statuses}`,
    `by mutation class: ${classes}`,
    `429 by operation: ${[...stats.rateLimited.entries()].map(([op, n]) => `${op} ${n}`).join(", ") || "none"}`,
    `slowest: ${stats.slowest.map((s) => `${s.ms.toFixed(0)} ms ${s.what.slice(0, 90)}`).join("; ")}`,
    `5xx seen: ${fivexx}; contract violations: ${stats.failures.length}`,
  ].join("\n");
}
