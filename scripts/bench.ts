// `bun run bench`: every benchmark in sequence, each in its own process on a quiet machine, then
// one table of the targets they print ("target ...: met" / "NOT met") and their key figures.
// A benchmark's full output is kept in .data/bench/<name>.log. Exits 1 if a benchmark failed to
// run (not when a target is missed: that is a figure to report, not a crash).
// BENCH_SUITE=payments,search,... runs a subset.
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(import.meta.dir, "..");
const LOGS = path.join(ROOT, ".data/bench");
const all = readdirSync(path.join(ROOT, "scripts"))
  .map((f) => /^bench-(.+)\.ts$/.exec(f)?.[1])
  .filter((n): n is string => n !== undefined)
  .sort();
const suite = process.env.BENCH_SUITE ? process.env.BENCH_SUITE.split(",") : all;
mkdirSync(LOGS, { recursive: true });

interface Row {
  bench: string;
  line: string;
}
const targets: Row[] = [];
const failed: string[] = [];
for (const name of suite) {
  const started = performance.now();
  process.stderr.write(`bench: ${name}...`);
  const proc = Bun.spawn(["bun", "run", `scripts/bench-${name}.ts`], { cwd: ROOT, stdout: "pipe", stderr: "pipe", env: process.env });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  writeFileSync(path.join(LOGS, `${name}.log`), out + (err ? `\n--- stderr\n${err}` : ""));
  process.stderr.write(` ${code === 0 ? "done" : `FAILED (exit ${code})`} in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  if (code !== 0) failed.push(name);
  // Figures worth a row: the targets, and the per-path throughput lines.
  for (const line of out.split("\n")) {
    if (/\btarget\b/i.test(line) || /\bmet\b/.test(line)) targets.push({ bench: name, line: line.trim() });
  }
}

console.log(`bench: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Bun ${Bun.version}; load average at the end ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}`);
console.log(`full outputs: .data/bench/<name>.log\n`);
const width = Math.max(...suite.map((s) => s.length), 5);
console.log(`${"bench".padEnd(width)}  verdict   target and figures`);
for (const r of targets) {
  const verdict = /NOT met/.test(r.line) ? "NOT met" : /not run/.test(r.line) ? "not run" : /\bmet\b/.test(r.line) ? "met" : "-";
  console.log(`${r.bench.padEnd(width)}  ${verdict.padEnd(8)}  ${r.line.replace(/^target\s*/i, "")}`);
}
for (const name of failed) console.log(`${name.padEnd(width)}  FAILED    see .data/bench/${name}.log`);
process.exit(failed.length > 0 ? 1 : 0);
