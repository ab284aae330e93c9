import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { z } from "@hono/zod-openapi";
import { manualClock } from "@/core/clock";
import { payFromApi } from "@/ledger";
import { DashboardSchema, GlobeVectorSchema, LeaderboardItemSchema, NetworkStatsSchema, TickerItemSchema } from "@/public/schemas";
import { startTestApp, type TestApp } from "../support/app";
import { createUser, systemCtx, type TestUser } from "../support/fixtures";
import { json } from "../support/http";
import { fund } from "../support/ledger";

// The public dashboards over real payments: anonymized, computed from the rollups, checked
// against the declared DTOs.

const clock = manualClock(new Date("2026-03-10T12:00:30Z"));
let t: TestApp;
let alice: TestUser;
let bob: TestUser;
let tokyoVendor: TestUser;
let plainVendor: TestUser;
const paid: string[] = [];

async function pay(agent: TestUser, vendor: TestUser, amount: bigint, region: string | null) {
  const ctx = { ...systemCtx(t, { kind: "user", userId: agent.id, role: "architect", permissions: ["read", "write"], via: "jwt" }), tokenMint: t.config.USDC_MINT, payments: t.deps.payments };
  const outcome = await payFromApi(ctx, { to: vendor.id.toString(), amount, region, receivedAt: performance.now() });
  if (outcome.kind !== "paid") throw new Error(`payment ${outcome.kind}`);
  paid.push(outcome.transaction.id);
  // One second apart: the ticker orders by time.
  clock.advance(1000);
}

const get = async <T extends z.ZodTypeAny>(path: string, schema: T): Promise<z.infer<T>> => {
  const res = await fetch(t.url + path);
  expect(res.status).toBe(200);
  const parsed = schema.safeParse(await json(res));
  if (!parsed.success) throw new Error(`${path}: ${parsed.error.message}`);
  return parsed.data;
};

beforeAll(async () => {
  t = await startTestApp({}, { clock });
  alice = await createUser(t, { profile: "agent", name: "Alice Agent" });
  bob = await createUser(t, { profile: "agent", name: "Bob Agent" });
  tokyoVendor = await createUser(t, { profile: "vendor", name: "Tokyo Vendor" });
  plainVendor = await createUser(t, { profile: "vendor", name: "Plain Vendor" });
  await t.sql`INSERT INTO vendor_regions (vendor_id, region) VALUES (${tokyoVendor.id}, 'ap-northeast-1')`;
  await fund(t, alice.id, 100_000_000n);
  await fund(t, bob.id, 100_000_000n);
  await pay(alice, tokyoVendor, 1_000_000n, "us-east-1");
  await pay(alice, tokyoVendor, 2_000_000n, "us-east-1");
  await pay(bob, plainVendor, 500_000n, "eu-central-1");
  await pay(bob, tokyoVendor, 250_000n, "nowhere-1");
  await pay(bob, plainVendor, 100n, null);
  // Spend from ten days ago counts for a 30-day leaderboard only.
  await t.sql`INSERT INTO agent_daily_spend (user_id, day, spent_atomic) VALUES (${bob.id}, '2026-02-28', 90000000)`;
});
afterAll(async () => {
  await t.close();
});

describe("GET /v1/ticker", () => {
  test("recent payments, newest first, with no user ids or wallets", async () => {
    const items = await get("/v1/ticker?limit=3", z.array(TickerItemSchema));
    expect(items).toHaveLength(3);
    expect(items.map((i) => i.amount_atomic)).toEqual(["100", "250000", "500000"]);
    expect(new Set(items.map((i) => i.id))).toEqual(new Set(paid.slice(2)));
    expect(items[2]).toMatchObject({ region: "eu-central-1", lat: 50.11, lng: 8.68, service_type: "inference-llm", simulated: false, source: "api" });
    const text = JSON.stringify(items);
    for (const id of [alice.id, bob.id, tokyoVendor.id, plainVendor.id]) expect(text).not.toContain(`"${id}"`);
    expect(text).not.toContain("agent_id");
  });

  test.each(["0", "201", "x"])("?limit=%p is a 400", async (limit) => {
    const res = await fetch(t.url + `/v1/ticker?limit=${limit}`);
    expect(res.status).toBe(400);
    expect((await json(res)).error.code).toBe("invalid_request");
  });
});

describe("GET /v1/network/stats", () => {
  test("counts what was paid, from the rollups", async () => {
    const stats = await get("/v1/network/stats", NetworkStatsSchema);
    expect(stats.tx_count_24h).toBe(5);
    expect(stats.volume_24h_atomic).toBe("3750100");
    expect(stats.active_agents_24h).toBe(2);
    expect(stats.active_vendors_24h).toBe(2);
    expect(stats.agents_total).toBe(2);
    expect(stats.vendors_total).toBe(2);
    expect(stats.tps).toBeGreaterThan(0);
    expect(stats.avg_latency_ms_24h).not.toBeNull();
    expect(stats.token_mint).toBe(t.config.USDC_MINT);
    expect(stats.generated_at).toBe(clock.now().toISOString());
  });

  test("a day later the window is empty again", async () => {
    clock.advance(25 * 3600_000);
    try {
      const stats = await get("/v1/network/stats", NetworkStatsSchema);
      expect(stats).toMatchObject({ tx_count_24h: 0, volume_24h_atomic: "0", tps: 0, avg_latency_ms_24h: null, active_agents_24h: 0 });
    } finally {
      clock.advance(-25 * 3600_000);
    }
  });
});

describe("GET /v1/network/vectors", () => {
  test("flows from the entry data center to the vendor's, local without one, unknown regions left out", async () => {
    const vectors = await get("/v1/network/vectors", z.array(GlobeVectorSchema));
    const flows = vectors.map((v) => [v.from.region, v.to.region, v.tx_count_24h, v.volume_24h_atomic]);
    expect(flows).toEqual([
      ["us-east-1", "ap-northeast-1", 2, "3000000"],
      ["eu-central-1", "eu-central-1", 1, "500000"],
    ]);
    expect(vectors[0]!.from).toEqual({ region: "us-east-1", name: "Virginia", lat: 38.95, lng: -77.45 });
    expect(vectors[0]!.to.name).toBe("Tokyo");
  });
});

describe("GET /v1/agents/leaderboard", () => {
  test("agents by spend over the period, by name", async () => {
    const week = await get("/v1/agents/leaderboard", z.array(LeaderboardItemSchema));
    expect(week).toEqual([
      { rank: 1, name: "Alice Agent", volume_atomic: "3000000", simulated: false },
      { rank: 2, name: "Bob Agent", volume_atomic: "750100", simulated: false },
    ]);
    const month = await get("/v1/agents/leaderboard?period=30d&limit=1", z.array(LeaderboardItemSchema));
    expect(month).toEqual([{ rank: 1, name: "Bob Agent", volume_atomic: "90750100", simulated: false }]);
    expect((await fetch(t.url + "/v1/agents/leaderboard?period=1y")).status).toBe(400);
  });
});

test("GET /v1/public/dashboard puts it all together", async () => {
  const d = await get("/v1/public/dashboard", DashboardSchema);
  expect(d.stats.tx_count_24h).toBe(5);
  expect(d.ticker).toHaveLength(5);
  expect(d.vectors).toHaveLength(2);
  expect(d.leaderboard.map((l) => l.name)).toEqual(["Alice Agent", "Bob Agent"]);
  expect(d.regions.map((r) => r.name)).toContain("São Paulo");
});
