// `bun run fuzz`: the fuzz test's engine (test/support/fuzz/) run long against the real app on its
// own fresh database, with every dependency a local stand-in. It sends the bounded sample first
// (every operation, every mutation class), then random probes until FUZZ_SECONDS (default 60) or
// FUZZ_REQUESTS, prints what it sent and every 5xx or refusal outside the error envelope with the
// request that reproduces it, and exits 1 if there was any.
//
//   FUZZ_SEED=123 FUZZ_SECONDS=300 bun run fuzz
//   FUZZ_REQUESTS=20000 FUZZ_CONCURRENCY=16 bun run fuzz
import { freshDatabase } from "./lib/bench";
import { startFuzzApp } from "../test/support/fuzz/harness";
import { createRng, seedFrom } from "../test/support/fuzz/random";
import { coverageSample, formatFailures, formatStats, newStats, randomProbe, runProbes, summarizeFailures } from "../test/support/fuzz/runner";

function positive(name: string, fallback: number | undefined): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`fuzz: ${name} must be a positive integer, got "${text}"`);
    process.exit(2);
  }
  return n;
}

const seed = seedFrom(process.env.FUZZ_SEED, Math.floor(Math.random() * 0xffffffff));
const maxRequests = positive("FUZZ_REQUESTS", undefined);
const seconds = positive("FUZZ_SECONDS", maxRequests === undefined ? 60 : undefined);
const concurrency = positive("FUZZ_CONCURRENCY", 8)!;

// Its own migrated database, named apart from the test runs' (which drop idle machpay_test_* ones).
const fresh = await freshDatabase("machpay_fuzz");
const db = { name: new URL(fresh.url).pathname.slice(1), url: fresh.url, drop: fresh.drop };
const app = await startFuzzApp({ db });
let stopping = false;
process.on("SIGINT", () => {
  stopping = true;
});

const rng = createRng(seed);
const sample = coverageSample(app.target, rng, 3);
const mutationCount = [...app.target.mutations.values()].reduce((n, list) => n + list.length, 0);
console.log(
  `fuzz: seed ${seed} (FUZZ_SEED=${seed} repeats it), ${app.target.ops.length} operations, ${mutationCount} mutations, ` +
    `${seconds !== undefined ? `${seconds} s` : ""}${seconds !== undefined && maxRequests !== undefined ? " or " : ""}${maxRequests !== undefined ? `${maxRequests} requests` : ""}, ${concurrency} at a time`,
);

const stats = newStats();
const started = performance.now();
const deadline = seconds === undefined ? Infinity : started + seconds * 1000;
let taken = 0;
const next = () => {
  if (stopping || performance.now() > deadline || (maxRequests !== undefined && taken >= maxRequests)) return null;
  const probe = taken < sample.length ? sample[taken]! : randomProbe(app.target, rng);
  taken++;
  return probe;
};
const progress = setInterval(() => console.log(`fuzz: ${stats.sent} sent, ${stats.failures.length} violations so far`), 10_000);
let leakedStreams = 0;
try {
  await runProbes(app.target, next, stats, concurrency);
  for (let i = 0; i < 100 && app.openStreams() > 0; i++) await Bun.sleep(20);
  leakedStreams = app.openStreams();
} finally {
  clearInterval(progress);
  await app.close();
  await db.drop();
}

const elapsed = (performance.now() - started) / 1000;
console.log(`\n${formatStats(stats)}\nduration: ${elapsed.toFixed(1)} s (${(stats.sent / elapsed).toFixed(0)} requests/s), seed ${seed}`);
if (leakedStreams > 0) console.log(`SSE streams still open after every client went away: ${leakedStreams}`);
if (stats.failures.length > 0 || leakedStreams > 0) {
  console.log(`\ndistinct violations:\n${summarizeFailures(stats.failures)}\n\nreproducing requests:\n${formatFailures(stats.failures, 40)}`);
  process.exit(1);
}
console.log("no 5xx, every refusal in the error envelope, no stream left open");
process.exit(0);
