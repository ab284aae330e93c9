import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

// Runs the MCP conformance suite (@modelcontextprotocol/conformance, its server scenarios) against
// an MCP endpoint, with our baseline of scenarios that do not apply, and reads back every check.
// Run with Bun: the suite's CLI needs Node 22's fs.globSync, which Bun has.

const ROOT = resolve(import.meta.dir, "../..");
export const CONFORMANCE_CLI = join(ROOT, "node_modules/@modelcontextprotocol/conformance/dist/index.js");
export const CONFORMANCE_BASELINE = join(ROOT, "test/mcp/conformance-baseline.yml");

export interface ConformanceCheck {
  id: string;
  status: "SUCCESS" | "FAILURE" | "WARNING" | "INFO" | "SKIPPED";
  errorMessage?: string;
}

export interface ConformanceRun {
  /** 0: every scenario passed or failed as the baseline expects. */
  exitCode: number;
  output: string;
  /** Checks by scenario name. */
  scenarios: Map<string, ConformanceCheck[]>;
}

/** `url` must name localhost (the DNS-rebinding scenario requires it). */
export async function runConformance(url: string): Promise<ConformanceRun> {
  const dir = mkdtempSync(join(tmpdir(), "mcp-conformance-"));
  try {
    const proc = Bun.spawn(
      [process.execPath, CONFORMANCE_CLI, "server", "--url", url, "--suite", "all", "--expected-failures", CONFORMANCE_BASELINE, "-o", dir],
      { cwd: dir, stdout: "pipe", stderr: "pipe" },
    );
    const [stdout, stderr, exitCode] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    const scenarios = new Map<string, ConformanceCheck[]>();
    for (const entry of readdirSync(dir)) {
      const name = /^server-(.+)-\d{4}-\d\d-\d\dT[\d-]+Z$/.exec(entry)?.[1];
      if (name) scenarios.set(name, JSON.parse(readFileSync(join(dir, entry, "checks.json"), "utf8")) as ConformanceCheck[]);
    }
    return { exitCode, output: stdout + stderr, scenarios };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
