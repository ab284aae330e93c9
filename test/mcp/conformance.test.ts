import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/app";
import { runConformance } from "../support/conformance";
import { marketplace } from "../support/mcp";

// The MCP conformance suite nobody here wrote (@modelcontextprotocol/conformance) against /mcp:
// every server scenario it has, with the baseline of those that do not apply
// (test/mcp/conformance-baseline.yml, each with its reason). `bun run conformance:mcp` runs the
// same against a server started from src/main.ts and prints the table.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await marketplace(t);
});
afterAll(() => t.close());

test("every applicable server scenario passes, and only the baseline's fail", async () => {
  const run = await runConformance(`${t.url.replace("127.0.0.1", "localhost")}/mcp`);
  expect(run.exitCode, run.output.slice(-4000)).toBe(0);
  for (const scenario of ["server-initialize", "ping", "tools-list", "resources-list", "prompts-list", "dns-rebinding-protection"]) {
    const checks = run.scenarios.get(scenario) ?? [];
    const verdicts = checks.filter((c) => c.status === "SUCCESS" || c.status === "FAILURE");
    expect(verdicts.length, scenario).toBeGreaterThan(0);
    expect(verdicts.filter((c) => c.status === "FAILURE").map((c) => `${c.id}: ${c.errorMessage}`), scenario).toEqual([]);
  }
  expect(run.scenarios.get("dns-rebinding-protection")!.map((c) => c.id).sort()).toEqual(["localhost-host-rebinding-rejected", "localhost-host-valid-accepted"]);
}, 120_000);
