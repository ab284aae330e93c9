import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ServiceSchema, ServiceSearchResultSchema } from "@/registry";
import { startTestApp, type TestApp } from "../support/app";
import { createUser, type TestUser } from "../support/fixtures";
import { call, drainIndex, endpointBody } from "./helpers";

// Public discovery (issue 8 items 4 and 5): listing, resolution and hybrid search, with price
// words, over the local embedder.

let t: TestApp;
let vendor: TestUser;

const tools = (name: string, description: string) => ({ tools: [{ name, description, inputSchema: { type: "object", properties: {} } }] });
const SERVICES = [
  { id: "llm-premium", name: "Premium LLM", description: "Large language model for chat, reasoning, writing and summarization. LLM with the highest quality answers.", service_type: "inference-llm", price_atomic: "30000", mcp_tool_def: tools("chat", "Chat with the LLM") },
  { id: "llm-standard", name: "Standard LLM", description: "Large language model for chat and summarization.", service_type: "inference-llm", price_atomic: "9000", mcp_tool_def: tools("chat", "Chat with the model") },
  { id: "llm-budget", name: "Budget LLM", description: "Small large language model for short answers and classification.", service_type: "inference-llm", price_atomic: "800", mcp_tool_def: tools("complete", "Complete text") },
  { id: "tts-voice", name: "Voice Studio", description: "Text to speech with natural voices.", service_type: "text-to-speech", price_atomic: "6000", mcp_tool_def: tools("speak", "Read text aloud") },
  { id: "weather-free", name: "Open Weather", description: "Weather forecasts for any city, free of charge.", service_type: "weather", price_atomic: "0", mcp_tool_def: tools("forecast", "Daily weather forecast") },
  { id: "weather-pro", name: "Weather Pro", description: "Hyperlocal weather forecasts and radar for any city.", service_type: "weather", price_atomic: "4000", mcp_tool_def: tools("forecast", "Hourly weather forecast") },
  { id: "geocoder", name: "GeoCode", description: "Street addresses to latitude and longitude.", service_type: "maps", price_atomic: "5000", mcp_tool_def: tools("geocode", "Coordinates of an address") },
  { id: "geocoder-lite", name: "GeoCode Lite", description: "Street addresses to latitude and longitude, city level only.", service_type: "maps", price_atomic: "4999", mcp_tool_def: tools("geocode", "Coordinates of an address") },
  { id: "usdc-payments", name: "Payments Helper", description: "Explains USDC transfers and costs.", service_type: "finance", price_atomic: "10000", mcp_tool_def: tools("explain", "Explain a USDC payment") },
];

beforeAll(async () => {
  t = await startTestApp();
  vendor = await createUser(t, { profile: "vendor" });
  for (const s of SERVICES) {
    const r = await call(t, "POST", "/v1/vendor/endpoints", vendor.token, endpointBody(s));
    if (r.status !== 201) throw new Error(`${s.id}: ${r.status}`);
  }
  await drainIndex(t);
});
afterAll(() => t.close());

const search = async (q: string, extra = "") => {
  const r = await call(t, "GET", `/v1/services/search?q=${encodeURIComponent(q)}${extra}`);
  expect(r.status).toBe(200);
  return r.body as (ReturnType<typeof ServiceSearchResultSchema.parse> & { price_atomic: string })[];
};
const ids = async (q: string, extra = "") => (await search(q, extra)).map((s) => s.id);
const prices = async (q: string, extra = "") => (await search(q, extra)).map((s) => BigInt(s.price_atomic));

describe("GET /v1/services/search", () => {
  test("returns ServiceDTOs with a score in [0, 1], best first", async () => {
    const results = await search("text to speech voice");
    expect(results[0]!.id).toBe("tts-voice");
    for (const r of results) expect(ServiceSearchResultSchema.strict().safeParse(r).success).toBe(true);
    const scores = results.map((r) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(scores.every((s) => s > 0 && s <= 1)).toBe(true);
    expect(results[0]!.score).toBe(1);
  });

  test("limit caps the results", async () => {
    expect(await ids("weather", "&limit=1")).toEqual([expect.any(String)]);
    expect((await ids("weather", "&limit=3")).length).toBe(3);
  });

  test("max_price_atomic filters (inclusive)", async () => {
    const got = await prices("large language model", "&max_price_atomic=9000");
    expect(got.length).toBeGreaterThan(0);
    expect(got.every((p) => p <= 9000n)).toBe(true);
    expect(await ids("large language model", "&max_price_atomic=9000")).toContain("llm-standard");
  });

  describe("price words", () => {
    test('"free" keeps only services that cost nothing', async () => {
      expect(await ids("free weather forecast")).toEqual(["weather-free"]);
      expect(await ids("weather forecast for free")).toEqual(["weather-free"]);
    });

    test('"under 0.01 USDC" is a strict ceiling of 9999 atomic units, and USDC is not searched for', async () => {
      const got = await search("payments under 0.01 USDC");
      expect(got.length).toBeGreaterThan(0);
      expect(got.every((s) => BigInt(s.price_atomic) <= 9999n)).toBe(true);
      // "usdc-payments" (10000) mentions USDC but costs exactly 0.01: excluded.
      expect(got.map((s) => s.id)).not.toContain("usdc-payments");
      expect(await ids("payments at most 0.01 USDC")).toContain("usdc-payments");
    });

    test('"below $0.005" and "less than 5000 atomic" are ceilings of 4999', async () => {
      expect(await ids("geocode an address below $0.005")).toEqual(expect.arrayContaining(["geocoder-lite"]));
      expect(await ids("geocode an address below $0.005")).not.toContain("geocoder");
      expect(await ids("geocode an address less than 5000 atomic")).not.toContain("geocoder");
      expect((await ids("geocode an address"))).toEqual(expect.arrayContaining(["geocoder", "geocoder-lite"]));
      expect(await ids("geocode an address up to 0.5 cents")).toContain("geocoder");
    });

    test("the lower of a price word and max_price_atomic applies", async () => {
      expect((await prices("large language model under $0.01", "&max_price_atomic=900")).every((p) => p <= 900n)).toBe(true);
      expect((await prices("large language model at most 900 atomic", "&max_price_atomic=50000")).every((p) => p <= 900n)).toBe(true);
    });

    test('"cheapest" puts the cheapest relevant service first; irrelevant cheap ones do not jump ahead', async () => {
      const plain = await ids("LLM for chat");
      expect(plain.indexOf("llm-premium")).toBeLessThan(plain.indexOf("llm-budget"));
      const cheapest = await ids("cheapest LLM for chat");
      expect(cheapest.slice(0, 3)).toEqual(["llm-budget", "llm-standard", "llm-premium"]);
      expect(cheapest).toContain("llm-premium"); // a preference, not a filter
    });

    test('"cheap" moves cheaper relevant services up', async () => {
      const cheap = await ids("cheap LLM for chat");
      expect(cheap[0]).not.toBe("llm-premium");
      expect(cheap.indexOf("llm-budget")).toBeLessThan(cheap.indexOf("llm-premium"));
    });

    test('a query of price words only lists services cheapest first', async () => {
      expect((await prices("cheapest")).slice(0, 2)).toEqual([0n, 800n]);
      expect(await ids("free")).toEqual(["weather-free"]);
    });
  });

  test("inactive services are never returned, whatever the query", async () => {
    expect((await call(t, "POST", "/v1/vendor/endpoints", vendor.token, endpointBody({ id: "gone-llm", name: "Vanishing LLM", description: "Large language model for chat", price_atomic: "1" }))).status).toBe(201);
    await drainIndex(t);
    expect((await ids("Vanishing LLM"))[0]).toBe("gone-llm");
    expect((await call(t, "DELETE", "/v1/vendor/endpoints/gone-llm", vendor.token)).status).toBe(204);
    for (const q of ["Vanishing LLM", "cheapest LLM", "cheapest", "large language model under 0.01 USDC"]) {
      expect({ q, ids: await ids(q, "&limit=200") }).toEqual({ q, ids: expect.not.arrayContaining(["gone-llm"]) });
    }
    expect((await call(t, "PUT", "/v1/vendor/endpoints/tts-voice", vendor.token, endpointBody({ ...SERVICES[3], is_active: false }))).status).toBe(200);
    expect(await ids("text to speech voice", "&limit=200")).not.toContain("tts-voice");
    expect((await call(t, "PUT", "/v1/vendor/endpoints/tts-voice", vendor.token, endpointBody({ ...SERVICES[3], is_active: true }))).status).toBe(200);
    expect((await ids("text to speech voice"))[0]).toBe("tts-voice");
  });

  test("a service is found by its words as soon as it is registered, before it is embedded", async () => {
    expect((await call(t, "POST", "/v1/vendor/endpoints", vendor.token, endpointBody({ id: "fresh-ocr", name: "Receipt OCR", description: "Reads receipts", service_type: "ocr" }))).status).toBe(201);
    expect((await ids("receipt OCR"))[0]).toBe("fresh-ocr");
    await drainIndex(t);
  });

  test("bad parameters: 400 naming them", async () => {
    for (const [qs, field] of [["", "q"], ["q=", "q"], ["q=x&limit=0", "limit"], ["q=x&limit=201", "limit"], ["q=x&max_price_atomic=-1", "max_price_atomic"], [`q=${"x".repeat(501)}`, "q"]] as const) {
      const r = await call(t, "GET", `/v1/services/search?${qs}`);
      expect({ qs, status: r.status, field: r.body.error?.details?.issues?.[0]?.field }).toEqual({ qs, status: 400, field });
    }
  });
});

describe("GET /v1/services", () => {
  test("a bare array of active ServiceDTOs, filtered by service_type and max_price_atomic", async () => {
    const r = await call(t, "GET", "/v1/services?service_type=weather");
    expect(r.status).toBe(200);
    expect(r.body.map((s: { id: string }) => s.id)).toEqual(["weather-free", "weather-pro"]);
    expect(r.body.every((s: unknown) => ServiceSchema.strict().safeParse(s).success)).toBe(true);
    expect((await call(t, "GET", "/v1/services?service_type=weather&max_price_atomic=0")).body.map((s: { id: string }) => s.id)).toEqual(["weather-free"]);
    expect((await call(t, "GET", "/v1/services?service_type=nothing-like-this")).body).toEqual([]);
  });

  test("pages with ?limit and the X-Next-Cursor header", async () => {
    const seen: string[] = [];
    let path = "/v1/services?limit=4";
    for (let i = 0; i < 10; i++) {
      const r = await call(t, "GET", path);
      expect(r.status).toBe(200);
      seen.push(...r.body.map((s: { id: string }) => s.id));
      const next = r.headers.get("x-next-cursor");
      if (!next) break;
      path = `/v1/services?limit=4&cursor=${next}`;
    }
    const n = (await t.sql<{ n: bigint }[]>`SELECT count(*) AS n FROM services WHERE is_active`)[0]!.n;
    expect(seen.length).toBe(Number(n));
    expect(seen).toEqual([...seen].sort());
  });

  test("GET /v1/services/{id}: unknown -> 404 service_not_found; malformed -> 400", async () => {
    const r = await call(t, "GET", "/v1/services/no-such-service");
    expect({ status: r.status, code: r.body.error.code }).toEqual({ status: 404, code: "service_not_found" });
    expect((await call(t, "GET", "/v1/services/Not%20An%20Id")).status).toBe(400);
  });
});
