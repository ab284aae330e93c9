import { afterAll, beforeAll, expect, test } from "bun:test";
import { startRealtime } from "@/realtime";
import { startRegistryWorker } from "@/registry";
import { startSimulation } from "@/simulation";
import { CATALOGUE } from "@/simulation/catalogue";
import { startTestApp, type TestApp } from "../support/app";
import { openStream } from "../realtime/sse-client";
import { call, eventually } from "../registry/helpers";

// The simulated vendors' catalogue (issue 18): registered through the registry's verb, embedded
// by the registry's worker with the local embedder, searchable by meaning; a restart registers
// the same services without re-embedding them. The ticker on SSE is GET /v1/ticker's feed.

let t: TestApp;
const stops: (() => Promise<void>)[] = [];
const FAST = { transactionMs: 50, balanceMs: 50, agents: 3, vendors: 5 };

beforeAll(async () => {
  t = await startTestApp();
  stops.push(startRealtime(t.deps));
  stops.push(startRegistryWorker(t.deps));
});
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  await t.close();
});

const search = async (q: string) => ((await call(t, "GET", `/v1/services/search?q=${encodeURIComponent(q)}&limit=3`)).body as { id: string; mcp_tool_def: unknown }[]);
const embeddings = () => t.sql<{ service_id: string; content_hash: string; updated_at: Date }[]>`SELECT service_id, content_hash, updated_at FROM service_embeddings ORDER BY service_id`;

test("the catalogue is registered, indexed and found by meaning, with prices and MCP tools", async () => {
  const stop = startSimulation(t.deps, FAST);
  try {
    await eventually(async () => ((await embeddings()).length === CATALOGUE.length ? true : undefined), 30_000, "every catalogue service embedded");
  } finally {
    await stop();
  }
  const listed = (await call(t, "GET", "/v1/services?limit=200")).body as { id: string; service_type: string; price_atomic: string; mcp_tool_def: { tools: { name: string }[] } | null; vendor_id: string }[];
  expect(listed.map((s) => s.id).sort()).toEqual(CATALOGUE.map((e) => e.id).sort());
  expect(new Set(listed.map((s) => s.service_type)).size).toBeGreaterThanOrEqual(8);
  expect(new Set(listed.map((s) => s.vendor_id)).size).toBe(5);
  expect(listed.every((s) => BigInt(s.price_atomic) > 0n && (s.mcp_tool_def?.tools.length ?? 0) > 0)).toBe(true);

  // As a newcomer would ask (the local embedder: a hashed bag of words, so among the first three).
  const top3 = async (q: string) => (await search(q)).map((s) => s.id);
  expect(await top3("transcribe a podcast recording")).toContain("sim-whisper-transcribe");
  expect(await top3("weather forecast for tomorrow in Paris")).toContain("sim-weather");
  expect(await top3("run python code in a sandbox")).toContain("sim-python-sandbox");
  expect(await top3("translate my text to German")).toContain("sim-translate");
});

test("a restarted simulator registers the same services and nothing is embedded again", async () => {
  const before = await embeddings();
  const created = await t.sql<{ id: string; created_at: Date }[]>`SELECT id, created_at FROM services ORDER BY id`;
  const stop = startSimulation(t.deps, FAST);
  try {
    // The re-registration queued each service; the worker found every text unchanged.
    await eventually(async () => ((await t.sql`SELECT 1 FROM service_index_queue`).length === 0 && (await t.sql`SELECT 1 FROM transactions WHERE service_id IS NOT NULL`).length > 0 ? true : undefined), 30_000, "the queue drained");
  } finally {
    await stop();
  }
  expect(await embeddings()).toEqual(before);
  expect(await t.sql`SELECT id, created_at FROM services ORDER BY id`).toEqual(created);
});

test("the SSE ticker shows the same items as GET /v1/ticker: the catalogue's paid calls", async () => {
  const ticker = openStream(t.url + "/v1/events?topics=ticker");
  const stop = startSimulation(t.deps, FAST);
  let streamed: any[];
  try {
    await ticker.waitFor((e) => e.type === "ticker", 10_000);
    await eventually(async () => (ticker.events.filter((e) => e.type === "ticker").length >= 5 ? true : undefined), 10_000, "five ticker events");
  } finally {
    await stop();
    await t.deps.payments.drain();
  }
  streamed = ticker.events.filter((e) => e.type === "ticker").map((e) => e.data);
  ticker.close();
  const listed = (await call(t, "GET", "/v1/ticker?limit=100")).body as any[];
  const byId = new Map(listed.map((item) => [item.id, item]));
  for (const item of streamed) {
    expect(item.id).toStartWith("tx_");
    expect(item).toEqual(byId.get(item.id));
    expect(CATALOGUE.some((e) => e.id === item.service_id)).toBe(true);
    expect(item.service_type).toBe(CATALOGUE.find((e) => e.id === item.service_id)!.service_type);
  }
});
