import { afterAll, beforeAll, expect, test } from "bun:test";
import { REGIONS } from "@/public";
import { startRealtime } from "@/realtime";
import { startSimulation } from "@/simulation";
import { startTestApp, type TestApp } from "../support/app";
import { expectBalanced } from "../support/ledger";
import { openStream } from "../realtime/sse-client";

// The simulator: simulated actors created once, real payments through the ledger (the ticker),
// all stamped with known data centers. Its catalogue: catalogue.test.ts.

let t: TestApp;
let stopRealtime: () => Promise<void>;
const FAST = { transactionMs: 50, balanceMs: 50, agents: 3, vendors: 2 };
const regionIds = new Set(REGIONS.map((r) => r.id));

beforeAll(async () => {
  t = await startTestApp();
  stopRealtime = startRealtime(t.deps);
});
afterAll(async () => {
  await stopRealtime();
  await t.close();
});

async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const hit = await probe();
    if (hit !== undefined) return hit;
    await Bun.sleep(10);
  }
  throw new Error(`never happened: ${what}`);
}

const simulatedPayments = async () =>
  Number((await t.sql<{ n: bigint }[]>`SELECT count(*) AS n FROM transactions WHERE source = 'simulation'`)[0]!.n);

test("payments between simulated actors go through the ledger, and the books balance", async () => {
  const ticker = openStream(t.url + "/v1/events?topics=ticker");
  const stop = startSimulation(t.deps, FAST);
  try {
    await until(async () => ((await simulatedPayments()) >= 5 ? true : undefined), "five simulated payments");
    const real = await ticker.waitFor((e) => e.type === "ticker" && e.data.id.startsWith("tx_"));
    expect(real.data).toMatchObject({ simulated: true, source: "simulation" });
    expect(regionIds.has(real.data.region)).toBe(true);
    expect(typeof real.data.lat).toBe("number");
  } finally {
    ticker.close();
    await stop();
  }
  await t.deps.payments.drain();

  const users = await t.sql<{ email: string; is_simulated: boolean; type: string | null }[]>`
    SELECT u.email, u.is_simulated, p.type FROM users u LEFT JOIN profiles p ON p.user_id = u.id ORDER BY u.email`;
  expect(users.map((u) => u.email)).toEqual([
    "sim-agent-1@simulated.machpay",
    "sim-agent-2@simulated.machpay",
    "sim-agent-3@simulated.machpay",
    "sim-vendor-1@simulated.machpay",
    "sim-vendor-2@simulated.machpay",
  ]);
  expect(users.every((u) => u.is_simulated)).toBe(true);
  expect(users.map((u) => u.type)).toEqual(["agent", "agent", "agent", "vendor", "vendor"]);

  const txs = await t.sql<{ region: string | null; status: string }[]>`SELECT region, status FROM transactions`;
  expect(txs.every((x) => x.region !== null && regionIds.has(x.region) && x.status === "confirmed")).toBe(true);
  const deposits = await t.sql<{ source: string }[]>`SELECT DISTINCT source FROM deposits`;
  expect(deposits.map((d) => d.source)).toEqual(["internal"]);
  await expectBalanced(t);
});

test("a restarted simulator reuses its actors", async () => {
  const before = await simulatedPayments();
  const stop = startSimulation(t.deps, FAST);
  try {
    await until(async () => ((await simulatedPayments()) > before ? true : undefined), "a payment after the restart");
  } finally {
    await stop();
  }
  const [row] = await t.sql<{ n: bigint }[]>`SELECT count(*) AS n FROM users WHERE is_simulated`;
  expect(Number(row!.n)).toBe(5);
  const vendors = await t.sql<{ n: bigint }[]>`SELECT count(*) AS n FROM vendor_regions`;
  expect(Number(vendors[0]!.n)).toBe(2);
});
