import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createRoute, z } from "@hono/zod-openapi";
import { AppError } from "@/core/errors";
import { errorResponses } from "@/http/errors";
import { json } from "../support/http";
import { startTestApp, type TestApp } from "../support/app";

// A throwaway route that exercises the shared validation hook and the error tiers.
const echoRoute = createRoute({
  method: "post",
  path: "/test/echo/{id}",
  request: {
    params: z.object({ id: z.string().min(1) }),
    query: z.object({ q: z.string().optional() }),
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z.object({ address: z.string().min(32), amount_atomic: z.string().regex(/^\d+$/), meta: z.record(z.string(), z.unknown()).optional() }),
        },
      },
    },
  },
  responses: { 200: { description: "ok", content: { "application/json": { schema: z.object({ ok: z.boolean() }) } } }, ...errorResponses },
});

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ BODY_LIMIT_BYTES: "2048" });
  t.built.app.openapi(echoRoute, (c) => c.json({ ok: true }, 200));
  t.built.app.get("/test/boom", () => {
    throw new Error("connection string postgres://secret@db leaked?");
  });
  t.built.app.get("/test/domain", () => {
    throw new AppError("insufficient_funds", "available balance is 5, payment needs 7", { details: { available_atomic: "5" } });
  });
});
afterAll(() => t.close());

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(t.url + path, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });

describe("error envelope", () => {
  test("unknown routes get 404 not_found in the envelope with the request id", async () => {
    const res = await fetch(t.url + "/v1/nothing-here");
    expect(res.status).toBe(404);
    const body = await json(res);
    expect(body.error.code).toBe("not_found");
    expect(body.error.request_id).toMatch(/^req_/);
    expect(res.headers.get("x-request-id")).toBe(body.error.request_id);
  });

  test("validation failures are 400 invalid_request naming every failing field", async () => {
    const res = await post("/test/echo/12", JSON.stringify({ address: "short" }));
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error.code).toBe("invalid_request");
    const fields = body.error.details.issues.map((i: { field: string }) => i.field).sort();
    expect(fields).toEqual(["address", "amount_atomic"]);
    expect(body.error.message).toContain("address");
  });

  test("a bad path parameter is named too", async () => {
    const res = await post("/test/echo/%00", JSON.stringify({ address: "x".repeat(32), amount_atomic: "1" }));
    expect(res.status).toBe(400);
    const body = await json(res);
    expect(body.error.details.issues[0]).toMatchObject({ field: "id", location: "param" });
  });

  // PostgreSQL cannot store NUL in text or jsonb, nor a lone surrogate in jsonb: refused at the
  // edge, for every validated string, wherever it sits.
  const good = { address: "x".repeat(32), amount_atomic: "1" };
  const nulCases: [string, string, string, string][] = [
    ["a body string", "/test/echo/1", JSON.stringify({ ...good, address: "x".repeat(32) + "\u0000" }), "json:address"],
    ["a string deep in free-form JSON", "/test/echo/1", JSON.stringify({ ...good, meta: { tools: [{ name: "a\u0000b" }] } }), "json:meta.tools.0.name"],
    ["an object key", "/test/echo/1", JSON.stringify({ ...good, meta: { "k\u0000": 1 } }), "json:meta.k?"],
    ["a lone surrogate", "/test/echo/1", `{"address":"${"x".repeat(32)}\\ud800","amount_atomic":"1"}`, "json:address"],
    ["a query parameter", "/test/echo/1?q=a%00b", JSON.stringify(good), "query:q"],
  ];
  for (const [what, path, body, where] of nulCases) {
    test(`NUL or ill-formed Unicode in ${what} is a 400 naming the field`, async () => {
      const res = await post(path, body);
      expect(res.status).toBe(400);
      const err = (await json(res)).error;
      expect(err.code).toBe("invalid_request");
      const [location, field] = where.split(":");
      expect(err.details.issues[0]).toMatchObject({ location, field });
    });
  }

  // Deep nesting breaks recursive walkers (JSON.stringify, schema refinements, jsonb): refused on
  // the text, before parsing. Brackets inside strings are text, not nesting.
  test("a JSON body nesting past 64 levels is a 400 naming (body); brackets in strings do not count", async () => {
    const deep = (levels: number) => `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;
    const tooDeep = await post("/test/echo/1", `{"address":"${"x".repeat(32)}","amount_atomic":"1","meta":${deep(64)}}`);
    expect(tooDeep.status).toBe(400);
    expect((await json(tooDeep)).error.details.issues[0]).toMatchObject({ field: "(body)", location: "json" });
    const fine = await post("/test/echo/1", JSON.stringify({ address: "x".repeat(32), amount_atomic: "1", meta: { text: "[{".repeat(300) } }));
    expect(fine.status).toBe(200);
  });

  test("a body that is not JSON is a 400, not a 500", async () => {
    const res = await post("/test/echo/1", "{not json");
    expect(res.status).toBe(400);
    expect((await json(res)).error.code).toBe("invalid_request");
  });

  test("a body over the limit is 413 payload_too_large", async () => {
    const res = await post("/test/echo/1", JSON.stringify({ address: "x".repeat(4096), amount_atomic: "1" }));
    expect(res.status).toBe(413);
    expect((await json(res)).error.code).toBe("payload_too_large");
  });

  test("domain errors keep their code, status and details", async () => {
    const res = await fetch(t.url + "/test/domain");
    expect(res.status).toBe(402);
    const body = await json(res);
    expect(body.error).toMatchObject({ code: "insufficient_funds", details: { available_atomic: "5" } });
  });

  test("an unexpected error is a generic 500 that leaks nothing, and is logged with the request id", async () => {
    const res = await fetch(t.url + "/test/boom");
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain("secret");
    expect(text).not.toContain("at ");
    const body = JSON.parse(text);
    expect(body.error.code).toBe("internal_error");
    const logged = t.logs.find((l) => l.msg === "unhandled error" && l.request_id === body.error.request_id);
    expect(logged).toBeDefined();
  });

  test("a well-formed incoming X-Request-Id is kept, a hostile one replaced", async () => {
    const kept = await fetch(t.url + "/health", { headers: { "x-request-id": "gw_abcdef123456" } });
    expect(kept.headers.get("x-request-id")).toBe("gw_abcdef123456");
    const replaced = await fetch(t.url + "/health", { headers: { "x-request-id": 'x" {"level":"error"}' } });
    expect(replaced.headers.get("x-request-id")).toMatch(/^req_[A-Za-z0-9]{22}$/);
  });
});

describe("request log", () => {
  test("one JSON line per request with method, path, status, duration and request id", async () => {
    const res = await fetch(t.url + "/health?probe=1");
    const id = res.headers.get("x-request-id");
    const lines = t.logs.filter((l) => l.msg === "request" && l.request_id === id);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ method: "GET", path: "/health", status: 200, level: "info" });
    expect(typeof lines[0]!.duration_ms).toBe("number");
  });
});
