// The MCP conformance suite (@modelcontextprotocol/conformance, every server scenario) against /mcp
// of a real server (src/main.ts in a child process, over a fresh database with one vendor's
// service), with test/mcp/conformance-baseline.yml listing the scenarios that do not apply.
// Prints each scenario's result, and why a baseline one does not apply; exits 1 on a scenario
// failing outside the baseline, or a baseline one that now passes.
// Run: bun run conformance:mcp
import { readFileSync } from "node:fs";
import { CONFORMANCE_BASELINE, runConformance } from "../test/support/conformance";
import { freshDatabase, startServer } from "./lib/bench";

/** Each baseline scenario with the comment above its group: why it does not apply. */
function reasons(): Map<string, string> {
  const out = new Map<string, string>();
  let comment: string[] = [];
  let inGroup = false;
  for (const line of readFileSync(CONFORMANCE_BASELINE, "utf8").split("\n")) {
    const text = /^\s+#\s?(.*)$/.exec(line)?.[1];
    const item = /^\s+-\s+(\S+)/.exec(line)?.[1];
    if (text !== undefined) {
      if (inGroup) comment = [];
      inGroup = false;
      comment.push(text);
    } else if (item) {
      inGroup = true;
      out.set(item, comment.join(" "));
    }
  }
  return out;
}

const db = await freshDatabase("mcp_conformance");
const [vendor] = await db.sql<{ id: bigint }[]>`INSERT INTO users (email, role) VALUES ('vendor@conformance.test', 'operator') RETURNING id`;
await db.sql`
  INSERT INTO services (id, vendor_id, name, description, gateway_url, price_atomic, token_mint, service_type)
  VALUES ('weather-now', ${vendor!.id}, 'Weather Now', 'Current weather for any city', 'https://weather.example', 500, 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v', 'weather')`;
const server = await startServer({ DATABASE_URL: db.url, ENABLE_WORKERS: "false", ENABLE_SIMULATION: "false" });
try {
  const url = `${server.url.replace("127.0.0.1", "localhost")}/mcp`;
  const run = await runConformance(url);
  const why = reasons();
  console.log(`MCP conformance suite, every server scenario, against ${url}\n`);
  for (const [scenario, checks] of [...run.scenarios].sort(([a], [b]) => a.localeCompare(b))) {
    const count = (status: string) => checks.filter((c) => c.status === status).length;
    const passed = count("FAILURE") === 0 && count("WARNING") === 0;
    const verdict = passed ? "pass" : why.has(scenario) ? "n/a " : "FAIL";
    const detail = `${count("SUCCESS")} ok, ${count("FAILURE")} failed, ${count("WARNING")} warnings`;
    console.log(`${verdict}  ${scenario.padEnd(32)} ${detail}${!passed && why.has(scenario) ? `\n      ${why.get(scenario)}` : ""}`);
  }
  const applicable = [...run.scenarios.keys()].filter((s) => !why.has(s));
  console.log(`\n${applicable.length} applicable scenarios, ${why.size} not applicable (test/mcp/conformance-baseline.yml)`);
  console.log(run.exitCode === 0 ? "conformance: met (every applicable scenario passes)" : `conformance: NOT met\n${run.output.slice(-3000)}`);
  process.exitCode = run.exitCode === 0 ? 0 : 1;
} finally {
  await server.stop(5000);
  await db.drop();
}
