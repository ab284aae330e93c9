import { afterAll, beforeAll, expect, test } from "bun:test";
import { startSimulation } from "@/simulation";
import { startTestApp, type TestApp } from "../support/app";
import { json } from "../support/http";
import { rollup } from "./raw-rows";

// In development the dashboards' telemetry moves: the simulator's gateways and SDKs report through
// the receiver's ingest path (in process: the same validation, queue and COPY writer), and the
// rollup makes public figures of it.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

async function until(probe: () => Promise<boolean>, what: string) {
  for (let i = 0; i < 1000; i++) {
    if (await probe()) return;
    await Bun.sleep(10);
  }
  throw new Error(`never happened: ${what}`);
}

const count = async (table: "gateway_telemetry" | "payment_authorized" | "agent_telemetry") =>
  Number((await t.sql<{ n: bigint }[]>`SELECT count(*) AS n FROM ${t.sql(table)}`)[0]!.n);

test("simulated gateways and SDKs report through the ingest path, and the public stats show it after a rollup", async () => {
  const stop = startSimulation(t.deps, { transactionMs: 30, balanceMs: 50, agents: 3, vendors: 2, telemetryMs: 500 });
  try {
    await until(async () => (await count("gateway_telemetry")) >= 6 && (await count("payment_authorized")) >= 3 && (await count("agent_telemetry")) >= 3, "simulated telemetry written");
  } finally {
    await stop();
  }
  await rollup(t);
  const stats = await json(await fetch(t.url + "/v1/network/stats"));
  expect(stats.telemetry).toMatchObject({ source: "gateway telemetry", gateways: 2 });
  expect(stats.telemetry.payments_authorized).toBeGreaterThanOrEqual(3);
  expect(stats.telemetry.requests).toBeGreaterThan(0);
  expect(stats.telemetry.latency_ms.p99).toBeGreaterThan(0);
  expect(stats.telemetry.uptime_ratio).toBeGreaterThan(0);
  const routes = stats.telemetry.routes.map((r: { route: string }) => r.route);
  expect(routes).toContain("/v1/chat/completions");
  // The simulated agents' SDK packets reached the per-agent rollup under their own ids.
  const agents = await t.sql<{ n: bigint }[]>`
    SELECT count(DISTINCT a.agent_id) AS n FROM telemetry_agent_hourly a JOIN users u ON u.id = a.agent_id
    WHERE u.is_simulated AND a.sdk_packets > 0`;
  expect(Number(agents[0]!.n)).toBe(3);
});
