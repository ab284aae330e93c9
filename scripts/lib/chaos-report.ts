// Prints a fault run's conditions, figures and verdict, the way the benchmarks print theirs.
import os from "node:os";
import { outcomeOf, type FaultFigures, type PaymentFigures, type Thresholds } from "./chaos-figures";
import type { Attempt } from "./chaos-load";
import type { AuditFigures } from "./chaos-ledger";

export interface RunFacts {
  name: string;
  /** Lines describing the run's conditions (load, faults, server). */
  conditions: string[];
  thresholds: Thresholds;
  loadStart: number;
  loadSeconds: number;
  replayed: number;
  replaySeconds: number;
  faults: FaultFigures[];
  /** Faults the script meant to inject; fewer were when one did not heal. */
  faultsPlanned: number;
  baseline: { observed: number; slow: Attempt[] };
  payments: PaymentFigures;
  accounts: { agents: number; vendors: number };
  audit: AuditFigures | string;
  unexpectedServerExits: number;
  /** SIGTERM at the end: did the server exit within the deadline (else it was killed)? */
  shutdown: { onSigterm: boolean; seconds: number; deadlineSeconds: number };
  /** A script's own figures (printed before the verdict) and conditions (added to it). */
  extra?: { lines: string[]; verdicts: [boolean, string][] };
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const tally = (map: Map<string, number>) =>
  map.size === 0 ? "none" : [...map].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(", ");
const outcomes = (attempts: Attempt[]) => {
  const map = new Map<string, number>();
  for (const a of attempts) map.set(outcomeOf(a), (map.get(outcomeOf(a)) ?? 0) + 1);
  return tally(map);
};
const examples = (refs: string[]) => (refs.length === 0 ? "" : ` (e.g. ${refs.slice(0, 5).join(", ")})`);

/** Prints everything; true when every condition holds. */
export function report(f: RunFacts): boolean {
  const p = f.payments;
  const t = f.thresholds;
  const slow = f.faults.flatMap((x) => x.slow);
  const maxOf = (list: Attempt[]) => (list.length === 0 ? "-" : s(Math.max(...list.map((a) => a.answeredAt - a.sentAt))));

  console.log(`${f.name}: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), Bun ${Bun.version}`);
  for (const line of f.conditions) console.log(`  ${line}`);
  console.log(`  thresholds: slow > ${t.slowMs} ms once recovered (+ ${t.graceMs} ms grace); healed = a 2xx within ${s(t.healMs)}; late = committed > ${s(t.lateMs)} after sending`);
  console.log("  faults (times from the start of the load; down = from the fault to the service back; first 2xx = from then to the first 2xx of a request sent after):");
  f.faults.forEach((x, i) => {
    const first = x.recoveryMs === null ? "NONE" : s(x.recoveryMs);
    const slowText = `slow ${x.slow.length} of ${x.observed}${x.slow.length ? ` (max ${maxOf(x.slow)}: ${outcomes(x.slow)})` : ""}`;
    const note = x.fault.note ? ` (${x.fault.note})` : "";
    console.log(`    ${String(i + 1).padStart(2)} ${x.fault.name.padEnd(36)} at ${s(x.fault.startedAt - f.loadStart).padStart(8)}  down ${s(x.fault.endedAt - x.fault.startedAt)}${note}  first 2xx ${first}  ${slowText}`);
  });
  if (f.faults.length < f.faultsPlanned) console.log(`    (${f.faultsPlanned - f.faults.length} more planned, not injected: fault ${f.faults.length} did not heal)`);
  const sent = p.sent.api + p.sent.gateway;
  console.log(`  payments sent: ${sent} (api ${p.sent.api}, gateway ${p.sent.gateway}) in ${s(f.loadSeconds * 1000)}; replayed ${f.replayed} without a definitive answer, in ${s(f.replaySeconds * 1000)}`);
  console.log(`  acknowledged: ${p.acknowledgedFirst} at first try, ${p.acknowledgedAfterReplay} after replay; refused for good: ${tally(p.refused)}; unresolved: ${p.unresolved}`);
  console.log(`  in the ledger exactly once: ${p.exactlyOnce}; acknowledged but missing: ${p.missing.length}${examples(p.missing)}; doubled: ${p.doubled.length}${examples(p.doubled)}; acknowledged with another id: ${p.idMismatch.length}${examples(p.idMismatch)}; never sent: ${p.invented}`);
  const unacked = [...p.committedUnacknowledged.values()].reduce((a, b) => a + b, 0);
  console.log(`  committed by a replay: ${p.committedByReplay}; committed but never acknowledged to the request that made it: ${unacked} (${tally(p.committedUnacknowledged)})`);
  console.log(`  first tries: 5xx ${tally(p.firstOutcomes5xx)}; no answer ${tally(p.noAnswer)}; replays: 5xx ${tally(p.replayOutcomes5xx)}`);
  console.log(`  503s that promised nothing was paid, yet it was: ${p.lies.length}${examples(p.lies.map((l) => `${l.reference} ${l.outcome}`))}`);
  console.log(`  late commits (> ${s(t.lateMs)} after sending): ${p.late}; longest from sending to commit: ${s(p.maxCommitDelayMs)}`);
  console.log(`  slow after recovery: ${slow.length} (max ${maxOf(slow)}${slow.length ? `; ${outcomes(slow)}` : ""}); before the first fault: ${f.baseline.slow.length} of ${f.baseline.observed}`);
  const audit = typeof f.audit === "string" ? `FAILED to run: ${f.audit}` : `${f.audit.ok ? "balanced" : "NOT BALANCED"} (difference ${f.audit.differenceAtomic}), negative balances ${f.audit.negativeBalances}`;
  console.log(`  audit: ${audit}; accounts disagreeing with their own payments: agents ${f.accounts.agents}, vendors ${f.accounts.vendors}`);

  const stop = f.shutdown.onSigterm ? `exited ${s(f.shutdown.seconds * 1000)} after SIGTERM` : `still running ${f.shutdown.deadlineSeconds} s after SIGTERM: killed`;
  console.log(`  the server at the end: ${stop}`);

  for (const line of f.extra?.lines ?? []) console.log(`  ${line}`);

  const healed = f.faults.filter((x) => x.recoveryMs !== null && x.recoveryMs <= t.healMs).length;
  const verdicts: [boolean, string][] = [
    [p.missing.length === 0 && p.doubled.length === 0 && p.idMismatch.length === 0, "every acknowledged payment is in the ledger exactly once, under the id it was acknowledged with"],
    [p.invented === 0, "the ledger holds no payment that was never sent"],
    [typeof f.audit !== "string" && f.audit.ok && f.accounts.agents === 0 && f.accounts.vendors === 0, "the audit balances, no balance is negative, every account agrees with its payments"],
    [p.lies.length === 0, "no 503 (other than payment_outcome_unknown) or refusal for a payment that was committed"],
    [p.late === 0, `no payment committed after its client gave up (> ${s(t.lateMs)})`],
    [p.unresolved === 0, "every payment has a definitive answer after replay with the same Idempotency-Key"],
    [healed === f.faultsPlanned, `every fault healed: a 2xx within ${s(t.healMs)} (${healed} of ${f.faultsPlanned})`],
    [slow.length === 0, `the pool healed: no request slower than ${t.slowMs} ms after recovery`],
    [p.internalErrors === 0, `no 500 (seen: ${p.internalErrors})`],
    [f.unexpectedServerExits === 0, `the server never exited by itself (exits: ${f.unexpectedServerExits})`],
    [f.shutdown.onSigterm, `the server shut down within ${f.shutdown.deadlineSeconds} s of SIGTERM`],
    ...(f.extra?.verdicts ?? []),
  ];
  console.log("  verdict:");
  for (const [ok, line] of verdicts) console.log(`    ${ok ? "ok    " : "FAILED"}  ${line}`);
  const failed = verdicts.filter(([ok]) => !ok).length;
  console.log(`${f.name}: ${failed === 0 ? "every condition holds" : `${failed} of ${verdicts.length} conditions FAILED`}`);
  return failed === 0;
}
