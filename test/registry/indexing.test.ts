import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { manualClock } from "@/core/clock";
import { createEmbedder, indexPending, queueStaleServices, registryRuntime, startRegistryWorker, type Embedder } from "@/registry";
import { startTestApp, type TestApp } from "../support/app";
import { startEmbeddingsServer, fakeEmbedding, type EmbeddingsServer } from "../support/embeddings-server";
import { createUser, type TestUser } from "../support/fixtures";
import { call, drainIndex, endpointBody, eventually } from "./helpers";

// Indexing (issue 8 items 2 and 3): a queue written with the service, a worker that embeds off
// the request path, content_hash skipping, and both embedders.

const embeddingOf = async (t: TestApp, id: string) => {
  const [row] = await t.sql<{ embedding: string; content_hash: string }[]>`SELECT embedding::text AS embedding, content_hash FROM service_embeddings WHERE service_id = ${id}`;
  return row && { vector: JSON.parse(row.embedding) as number[], hash: row.content_hash };
};
const queueOf = async (t: TestApp, id: string) => {
  const [row] = await t.sql<{ attempts: number; last_error: string | null }[]>`SELECT attempts, last_error FROM service_index_queue WHERE service_id = ${id}`;
  return row;
};
const searchIds = async (t: TestApp, q: string) => ((await call(t, "GET", `/v1/services/search?q=${encodeURIComponent(q)}`)).body as { id: string }[]).map((s) => s.id);

describe("the worker (local embedder)", () => {
  let t: TestApp;
  let vendor: TestUser;
  beforeAll(async () => {
    // A poll interval far above a second: only the nudge of a registration can wake the worker in time.
    t = await startTestApp({ EMBEDDING_WORKER_INTERVAL_MS: "60000" });
    vendor = await createUser(t, { profile: "vendor" });
  });
  afterAll(() => t.close());

  test("a registration answers before it is embedded, and is embedded within a second by the nudged worker", async () => {
    const stop = startRegistryWorker(t.deps);
    try {
      // The worker's start-up sweep runs first; let it settle into its long sleep.
      await eventually(async () => ((await t.sql`SELECT 1 FROM service_index_queue`).length === 0 ? true : undefined), 1000, "empty queue");
      const r = await call(t, "POST", "/v1/vendor/endpoints", vendor.token, endpointBody({ id: "tide-tables", name: "Tide Tables", description: "High and low tide times for coastal harbours" }));
      expect({ status: r.status, index: r.body.index_status }).toEqual({ status: 201, index: "pending" });
      await eventually(() => embeddingOf(t, "tide-tables"), 1000, "the embedding of tide-tables");
      expect((await call(t, "GET", "/v1/vendor/endpoints/tide-tables", vendor.token)).body.index_status).toBe("indexed");
      expect(await queueOf(t, "tide-tables")).toBeUndefined();
      // Found by meaning (a word form the text does not contain) as well as by its words.
      expect((await searchIds(t, "harbour tidal times"))[0]).toBe("tide-tables");
    } finally {
      await stop();
    }
  });

  test("workers of several instances claim disjoint batches: every service is embedded exactly once", async () => {
    for (let i = 0; i < 40; i++) {
      expect((await call(t, "POST", "/v1/vendor/endpoints", vendor.token, endpointBody({ id: `shared-${i}`, description: `service number ${i}` }))).status).toBe(201);
    }
    const local = registryRuntime(t.deps).embedder;
    const embedded: string[] = [];
    const counting: Embedder = {
      id: local.id,
      async embed(texts) {
        embedded.push(...texts);
        await Bun.sleep(5); // keep the first batch's lease held while the other worker claims
        return local.embed(texts);
      },
    };
    const worker = () => ({ sql: t.sql, clock: t.deps.clock, log: t.logger, embedder: counting });
    for (;;) {
      const passes = await Promise.all([indexPending(worker()), indexPending(worker()), indexPending(worker())]);
      if (passes.every((p) => p.claimed === 0)) break;
    }
    const descriptions = embedded.filter((text) => text.includes("service number")).map((text) => /service number (\d+)/.exec(text)![1]);
    expect(descriptions.sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 40 }, (_, i) => String(i)));
    const n = (await t.sql<{ n: bigint }[]>`SELECT count(*) AS n FROM service_embeddings WHERE service_id LIKE 'shared-%'`)[0]!.n;
    expect(n).toBe(40n);
  });

  test("on start, the worker queues services written without the API and embeds them", async () => {
    await t.sql`
      INSERT INTO services (id, vendor_id, name, description, gateway_url, price_atomic, token_mint, service_type)
      VALUES ('imported-1', ${vendor.id}, 'Imported Geocoder', 'Addresses to coordinates', 'https://geo.example', 100, ${t.config.USDC_MINT}, 'maps')`;
    const stop = startRegistryWorker(t.deps);
    try {
      await eventually(() => embeddingOf(t, "imported-1"), 1000, "the embedding of imported-1");
    } finally {
      await stop();
    }
  });

  test("a write made while its service is being embedded is embedded again, never lost", async () => {
    expect((await call(t, "POST", "/v1/vendor/endpoints", vendor.token, endpointBody({ id: "moving", description: "first text" }))).status).toBe(201);
    const local = registryRuntime(t.deps).embedder;
    let edited = false;
    // The write lands between the claim and the completion of the first pass.
    const racing: Embedder = {
      id: local.id,
      async embed(texts) {
        if (!edited) {
          edited = true;
          const r = await call(t, "PUT", "/v1/vendor/endpoints/moving", vendor.token, endpointBody({ description: "second text" }));
          expect(r.status).toBe(200);
        }
        return local.embed(texts);
      },
    };
    const ctx = { sql: t.sql, clock: t.deps.clock, log: t.logger, embedder: racing };
    const first = await indexPending(ctx);
    expect(first.embedded).toBeGreaterThanOrEqual(1);
    expect(await queueOf(t, "moving")).toBeDefined();
    await drainIndex(t, racing);
    expect(await queueOf(t, "moving")).toBeUndefined();
    const stored = await embeddingOf(t, "moving");
    const [expected] = await local.embed(["Weather Now\nsecond text\nweather\nget current weather: Current conditions at a city"]);
    expect(stored!.vector.slice(0, 50)).toEqual(Array.from(expected!.slice(0, 50), (x) => Number(x.toPrecision(7))));
  });

  test("switching embedders re-queues every service whose stored embedding came from the other one", async () => {
    await drainIndex(t);
    const other: Embedder = { id: "local:some-other-model", embed: (texts) => registryRuntime(t.deps).embedder.embed(texts) };
    const n = (await t.sql<{ n: bigint }[]>`SELECT count(*) AS n FROM services`)[0]!.n;
    expect(await queueStaleServices({ sql: t.sql, log: t.logger, embedder: registryRuntime(t.deps).embedder })).toBe(0);
    expect(await queueStaleServices({ sql: t.sql, log: t.logger, embedder: other })).toBe(Number(n));
    await drainIndex(t);
  });
});

describe("the OpenAI-compatible embedder", () => {
  let server: EmbeddingsServer;
  let t: TestApp;
  let vendor: TestUser;
  const clock = manualClock(new Date("2026-03-02T10:00:00Z"));
  beforeAll(async () => {
    // 384 dimensions, as many open models return: stored zero-padded to 1536.
    server = await startEmbeddingsServer({ dimensions: 384 });
    t = await startTestApp({ OPENAI_API_KEY: "test", OPENAI_BASE_URL: server.url + "/v1" }, { clock });
    vendor = await createUser(t, { profile: "vendor" });
  });
  afterAll(async () => {
    await t.close();
    await server.stop();
  });

  const register = (body: Record<string, unknown>) => call(t, "POST", "/v1/vendor/endpoints", vendor.token, endpointBody(body));

  test("is chosen when OPENAI_API_KEY is set; the local one otherwise", () => {
    expect(registryRuntime(t.deps).embedder.id).toBe("openai:text-embedding-ada-002");
    expect(createEmbedder({ EMBEDDING_MODEL: "text-embedding-ada-002" }).id).toStartWith("local:");
  });

  test("embeds name, description, type and tools through /v1/embeddings; shorter vectors are zero-padded", async () => {
    expect((await register({ id: "oa-1", name: "Storm Radar", description: "Live radar of storms" })).status).toBe(201);
    const before = server.requests.length;
    expect(await drainIndex(t)).toMatchObject({ embedded: 1, unchanged: 0 });
    const sent = server.requests.slice(before);
    const text = "Storm Radar\nLive radar of storms\nweather\nget current weather: Current conditions at a city";
    expect(sent).toEqual([{ model: "text-embedding-ada-002", input: [text], encoding_format: "float", authorization: "Bearer test" }]);
    const stored = await embeddingOf(t, "oa-1");
    expect(stored!.vector).toHaveLength(1536);
    expect(stored!.vector.slice(384).every((x) => x === 0)).toBe(true);
    const expected = fakeEmbedding(text, 384);
    stored!.vector.slice(0, 384).forEach((x, i) => expect(x).toBeCloseTo(expected[i]!, 5));
  });

  test("re-posting unchanged content does not call the embedder again; a change does", async () => {
    expect((await register({ id: "oa-2", name: "Snow Report" })).status).toBe(201);
    await drainIndex(t);
    const hash = (await embeddingOf(t, "oa-2"))!.hash;
    const before = server.requests.length;
    expect((await register({ id: "oa-2", name: "Snow Report" })).status).toBe(200);
    // Price and URL are not indexed: changing them does not re-embed either.
    expect((await register({ id: "oa-2", name: "Snow Report", price_atomic: "900", gateway_url: "https://elsewhere.example" })).status).toBe(200);
    expect(await drainIndex(t)).toMatchObject({ claimed: 1, embedded: 0, unchanged: 1 });
    expect(server.requests.length).toBe(before);
    expect((await embeddingOf(t, "oa-2"))!.hash).toBe(hash);
    expect((await call(t, "GET", "/v1/vendor/endpoints/oa-2", vendor.token)).body.index_status).toBe("indexed");

    expect((await register({ id: "oa-2", name: "Snow Report", description: "Snow depth at ski resorts" })).status).toBe(200);
    expect(await drainIndex(t)).toMatchObject({ embedded: 1 });
    expect(server.inputs().slice(before)).toEqual(["Snow Report\nSnow depth at ski resorts\nweather\nget current weather: Current conditions at a city"]);
    expect((await embeddingOf(t, "oa-2"))!.hash).not.toBe(hash);
  });

  test("search embeds the query without its price words", async () => {
    await drainIndex(t);
    const before = server.requests.length;
    const r = await call(t, "GET", `/v1/services/search?q=${encodeURIComponent("storm radar under 0.01 USDC")}`);
    expect(r.status).toBe(200);
    expect(r.body[0].id).toBe("oa-1");
    expect(server.inputs().slice(before)).toEqual(["storm radar"]);
  });

  test("an embeddings outage: the service stays queued with backoff and is found by its words meanwhile", async () => {
    server.failWith(500);
    try {
      expect((await register({ id: "oa-3", name: "Avalanche Bulletin", description: "Avalanche danger levels" })).status).toBe(201);
      expect(await drainIndex(t)).toMatchObject({ claimed: 1, failed: 1 });
      expect(await queueOf(t, "oa-3")).toMatchObject({ attempts: 1 });
      expect((await queueOf(t, "oa-3"))!.last_error).toContain("500");
      // The query cannot be embedded either: full-text ranking answers alone.
      const r = await call(t, "GET", `/v1/services/search?q=avalanche`);
      expect({ status: r.status, first: r.body[0]?.id }).toEqual({ status: 200, first: "oa-3" });
      expect(t.logs.some((l) => l.msg === "query embedding failed; ranking by full text only")).toBe(true);
    } finally {
      server.failWith(null);
    }
    // Backoff: not retried before a second has passed.
    expect(await drainIndex(t)).toMatchObject({ claimed: 0 });
    clock.advance(1001);
    expect(await drainIndex(t)).toMatchObject({ embedded: 1 });
    expect(await queueOf(t, "oa-3")).toBeUndefined();
    expect(await embeddingOf(t, "oa-3")).toBeDefined();
  });

  test("a model returning more than 1536 dimensions is a failure, not a truncation", async () => {
    const big = await startEmbeddingsServer({ dimensions: 3072 });
    const t2 = await startTestApp({ OPENAI_API_KEY: "test", OPENAI_BASE_URL: big.url + "/v1" }, { db: t.db });
    try {
      expect((await register({ id: "oa-4", name: "Hail Alerts" })).status).toBe(201);
      expect(await drainIndex(t2)).toMatchObject({ failed: 1 });
      expect((await queueOf(t, "oa-4"))!.last_error).toContain("3072 dimensions");
    } finally {
      await t2.close();
      await big.stop();
    }
  });
});
