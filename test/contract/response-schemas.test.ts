import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createRoute, z } from "@hono/zod-openapi";
import { request as httpRequest } from "node:http";
import { documentOptions } from "@/app";
import { buildOpenApiDocument } from "@/http/openapi";
import { startTestApp, type TestApp } from "../support/app";
import { ResponseChecker, type ResponseDocument } from "../support/schema/checker";
import { ResponseSchemaError } from "../support/schema/findings";

// Every JSON answer of a test app is held to what the document declares for its operation and
// status, strictly (test/support/schema/): these tests show the check bites, so that a leaked field
// (a key hash, an internal id) fails the test that received it rather than passing unseen.

let t: TestApp;
let checker: ResponseChecker;

// A route whose answer carries a field its schema does not declare: what a handler that spreads a
// database row into its answer would send.
const leakRoute = createRoute({
  method: "get",
  path: "/test/leak",
  operationId: "testLeak",
  responses: { 200: { description: "a key", content: { "application/json": { schema: z.object({ id: z.string() }) } } } },
});

beforeAll(async () => {
  t = await startTestApp();
  t.built.app.openapi(leakRoute, (c) => c.json({ id: "17", hash: "f00d" } as { id: string }, 200));
  // SAFETY: zod-openapi's document object is the OpenAPI object the checker reads.
  checker = new ResponseChecker(buildOpenApiDocument(t.built.app, documentOptions(t.deps.config)) as unknown as ResponseDocument);
});
afterAll(() => t.close());

const answer = (method: string, path: string, status: number, body: unknown) => ({ method, url: t.url + path, status, contentType: "application/json", text: JSON.stringify(body) });
const detailOf = (method: string, path: string, status: number, body: unknown) => checker.check(answer(method, path, status, body))?.detail ?? "";

describe("in the tests' own requests", () => {
  test("an undeclared field fails the fetch that received it, naming the field", async () => {
    const fetched = fetch(`${t.url}/test/leak`);
    await expect(fetched).rejects.toBeInstanceOf(ResponseSchemaError);
    await expect(fetched).rejects.toThrow(/GET \/test\/leak -> 200.*"hash"/);
  });

  test("an answer no test's fetch saw (a browser's, a raw socket's) is kept for the app's close()", async () => {
    const status = await new Promise<number>((resolve, reject) => {
      httpRequest(`${t.url}/test/leak`, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      })
        .on("error", reject)
        .end();
    });
    expect(status).toBe(200);
    expect(t.answers.untaken()).toEqual([expect.stringMatching(/^GET \/test\/leak -> 200: .*"hash"/)]);
  });
});

describe("against the served document", () => {
  test("a declared answer passes: a nullable reference may be null", () => {
    expect(checker.check(answer("GET", "/v1/link/device", 200, { pubkey: "k", linked: false, kind: null, profile: null }))).toBeUndefined();
  });

  test("an extra field fails at any depth: top level, in an array item, in a member of allOf", () => {
    expect(detailOf("GET", "/v1/me", 200, { user_id: "1", role: "architect", via: "jwt", permissions: [], api_key_id: null, device_pubkey: null, hash: "x" })).toContain('"hash"');
    const key = { id: "1", name: "k", prefix: "mp_sk_live_Ab3x", permissions: ["read"], last_used_at: null, created_at: "2026-01-01T00:00:00.000Z", revoked_at: null };
    expect(checker.check(answer("GET", "/v1/agent/keys", 200, { data: [key], next_cursor: null }))).toBeUndefined();
    expect(detailOf("GET", "/v1/agent/keys", 200, { data: [{ ...key, hash: "x" }], next_cursor: null })).toContain('/data/0 must NOT have unevaluated properties "hash"');
    const service = { id: "s", vendor_id: "1", name: "n", description: "d", service_type: "t", gateway_url: "https://g", gateway_pubkey: null, price_atomic: "1", token_mint: "m", mcp_tool_def: null };
    expect(detailOf("GET", "/v1/vendor/endpoints/s", 200, { ...service, is_active: true, internal_id: 7 })).toContain('"internal_id"');
  });

  test("an error outside what the operation declares must still be the envelope, and nothing more", () => {
    expect(checker.check(answer("GET", "/v1/nothing", 404, { error: { code: "not_found", message: "m", request_id: "r" } }))?.kind).toBe("undeclared");
    expect(detailOf("GET", "/v1/nothing", 404, { error: { code: "not_found", message: "m", request_id: "r", stack: "at ..." } })).toContain('"stack"');
  });

  test("a wrong type or a missing field fails", () => {
    expect(detailOf("GET", "/v1/link/device", 200, { pubkey: "k", linked: "no", kind: null, profile: null })).toContain("/linked must be boolean");
    expect(detailOf("GET", "/v1/link/device", 200, { pubkey: "k", linked: false, kind: null })).toContain("must have required property 'profile'");
  });
});
