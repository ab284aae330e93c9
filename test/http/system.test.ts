import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createTestDatabase } from "../support/db";
import { json } from "../support/http";
import { startTestApp, type TestApp } from "../support/app";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ CONSOLE_ORIGINS: "http://console.test" });
});
afterAll(() => t.close());

describe("system endpoints", () => {
  test("GET /health answers through the generated client", async () => {
    const { data, response } = await t.client().GET("/health");
    expect(response.status).toBe(200);
    expect(data).toEqual({ status: "ok" });
  });

  test("GET /ready says ready when the database answers and migrations are applied", async () => {
    const { data, response } = await t.client().GET("/ready");
    expect(response.status).toBe(200);
    expect(data?.status).toBe("ready");
    expect(data?.migrations.applied).toBe(data!.migrations.expected);
  });

  test("GET /ready is 503 when the database is down", async () => {
    const down = await startTestApp({ DATABASE_URL: "postgres://postgres@127.0.0.1:1/nothing" });
    try {
      const res = await fetch(down.url + "/ready");
      expect(res.status).toBe(503);
      const body = await json(res);
      expect(body.error.code).toBe("not_ready");
      expect(body.error.details).toEqual({ database: "unreachable" });
      // Liveness does not depend on the database.
      expect((await fetch(down.url + "/health")).status).toBe(200);
    } finally {
      await down.close();
    }
  });

  test("GET /ready answers from its own connection: a pool taken by requests does not make it wait or fail", async () => {
    const busy = await startTestApp({ DB_POOL_MAX: "2" });
    const held = [await busy.sql.reserve(), await busy.sql.reserve()];
    try {
      const res = await fetch(busy.url + "/ready", { signal: AbortSignal.timeout(1500) });
      expect(res.status).toBe(200);
    } finally {
      for (const c of held) c.release();
      await busy.close();
    }
  });

  test("GET /ready is 503 naming the pending migrations on an unmigrated database", async () => {
    const empty = await createTestDatabase({ migrated: false });
    const app = await startTestApp({}, { db: empty });
    try {
      const res = await fetch(app.url + "/ready");
      expect(res.status).toBe(503);
      const body = await json(res);
      expect(body.error.details.pending_migrations).toContain("0004_ledger.sql");
    } finally {
      await app.close();
      await empty.drop();
    }
  });

  test("GET /metrics exposes request counts, latency by route and status, and pool usage", async () => {
    await fetch(t.url + "/health");
    await fetch(t.url + "/nope");
    const res = await fetch(t.url + "/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/health",status="200"\} \d+/);
    expect(text).toMatch(/http_requests_total\{[^}]*status="404"\} \d+/);
    expect(text).toContain("http_request_duration_seconds_bucket");
    expect(text).toMatch(/db_pool_connections\{state="\w+"\} \d+/);
    expect(text).toMatch(/db_pool_max_connections \d+/);
  });

  test("GET /openapi.json serves the document and /docs an interactive reference", async () => {
    const doc = await json(await fetch(t.url + "/openapi.json"));
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.paths["/health"]).toBeDefined();
    const docs = await fetch(t.url + "/docs");
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain("/openapi.json");
  });

  test("CORS allows the console origins and no others", async () => {
    const preflight = (origin: string) =>
      fetch(t.url + "/health", { method: "OPTIONS", headers: { origin, "access-control-request-method": "GET" } });
    const ok = await preflight("http://console.test");
    expect(ok.headers.get("access-control-allow-origin")).toBe("http://console.test");
    const bad = await preflight("http://evil.test");
    expect(bad.headers.get("access-control-allow-origin")).toBeNull();
  });
});
