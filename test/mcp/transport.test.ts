import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { startTestApp, type TestApp } from "../support/app";
import { json } from "../support/http";
import { agentRow } from "../support/ledger";
import { connectMcp, fundedAgent, marketplace } from "../support/mcp";

// /mcp at the HTTP level: Streamable HTTP, stateless (so two instances behind a load balancer
// answer one client's requests interchangeably; pooled servers never mix two clients' answers), with the
// API's own refusals for what is not an MCP request, DNS-rebinding protection, and every call
// audited (the request's log line, Prometheus per method and tool).

let t: TestApp;
let other: TestApp;

// What instances behind one load balancer share besides the database: the API key pepper.
const SHARED = { PUBLIC_URL: "https://api.machpay.test", API_KEY_PEPPER: "mcp-test-pepper-0123456789abcdefghij" };

beforeAll(async () => {
  t = await startTestApp({ ...SHARED, CONSOLE_ORIGINS: "https://console.machpay.test" });
  await marketplace(t);
  // A second instance over the same database: what a load balancer puts beside the first.
  other = await startTestApp(SHARED, { db: t.db });
});
afterAll(async () => {
  await other.close();
  await t.close();
});

const MCP_ACCEPT = "application/json, text/event-stream";
const message = (method: string, params: Record<string, unknown> = {}, id: number | string = 1) => ({ jsonrpc: "2.0", id, method, params });

async function postMcp(body: unknown, headers: Record<string, string> = {}, app = t) {
  const res = await fetch(`${app.url}/mcp`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: MCP_ACCEPT, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { res, status: res.status, body: res.status === 202 ? null : await json(res) };
}

describe("stateless Streamable HTTP", () => {
  test("one client, its requests spread over two instances: every answer right, nothing pinned to either", async () => {
    const agent = await fundedAgent(t, 100_000n);
    let n = 0;
    const spread = (url: URL | string) => String(url).replace(t.url, n++ % 2 === 0 ? t.url : other.url);
    const client = await connectMcp(t, async () => `Bearer ${agent.key}`);
    try {
      // connectMcp's fetch goes to t; route every other request to the second instance instead.
      const transport = (client as unknown as { _transport: { _fetch: (u: URL | string, i?: RequestInit) => Promise<Response> } })._transport;
      const inner = transport._fetch;
      transport._fetch = (url, init) => inner(spread(url), init);
      for (let i = 0; i < 4; i++) {
        const paid = await client.callTool({ name: "pay", arguments: { to: "weather-pro", amount_atomic: "4000", idempotency_key: `lb-${i % 2}` } });
        expect(paid.isError, JSON.stringify(paid.content)).toBeFalsy();
      }
      expect((await client.listTools()).tools).toHaveLength(8);
    } finally {
      await client.close();
    }
    const served = (app: TestApp) => app.logs.filter((l) => l.path === "/mcp" && l.method === "POST").length;
    expect(served(t)).toBeGreaterThan(0);
    expect(served(other)).toBeGreaterThan(0);
    // Two keys, four calls: two payments, whichever instance each retry reached.
    expect((await agentRow(t, agent.id)).balance).toBe(92_000n);
  });

  test("a request needs no initialize before it (no session): tools/call alone is answered", async () => {
    const r = await postMcp(message("tools/call", { name: "get_service", arguments: { service_id: "weather-pro" } }), { "mcp-protocol-version": LATEST_PROTOCOL_VERSION }, other);
    expect(r.status).toBe(200);
    expect(r.res.headers.get("mcp-session-id")).toBeNull();
    expect(r.body.result.structuredContent.id).toBe("weather-pro");
  });

  test("notifications are accepted with 202 and no body; a batch gets an array of answers", async () => {
    expect((await postMcp({ jsonrpc: "2.0", method: "notifications/initialized" })).status).toBe(202);
    const batch = await postMcp([message("ping", {}, "a"), message("tools/list", {}, "b")]);
    expect(batch.status).toBe(200);
    expect(batch.body.map((m: { id: string }) => m.id).sort()).toEqual(["a", "b"]);
  });

  test("concurrent POSTs reusing one JSON-RPC id (every client starts at 0) each get their own answer", async () => {
    // The servers are pooled and kept connected: an answer must still reach the POST that asked.
    const agents = await Promise.all(Array.from({ length: 6 }, (_, i) => fundedAgent(t, BigInt(1_000 * (i + 1)))));
    const rounds = await Promise.all(
      Array.from({ length: 48 }, (_, i) => {
        const agent = agents[i % agents.length]!;
        return postMcp(message("tools/call", { name: "get_balance", arguments: {} }, 0), { authorization: `Bearer ${agent.key}` }).then((r) => ({ r, i }));
      }),
    );
    for (const { r, i } of rounds) {
      expect(r.status).toBe(200);
      expect(r.body.id).toBe(0);
      expect(r.body.result.structuredContent.available_atomic).toBe(String(1_000 * ((i % agents.length) + 1)));
    }
  });

  test("a batch is answered with an array, one answer per request, in its order, even for one request", async () => {
    const one = await postMcp([message("ping", {}, 7)]);
    expect([one.status, one.body]).toEqual([200, [{ jsonrpc: "2.0", id: 7, result: {} }]]);
    const mixed = await postMcp([message("tools/list", {}, "b"), { jsonrpc: "2.0", method: "notifications/initialized" }, message("ping", {}, "a")]);
    expect(mixed.body.map((m: { id: string }) => m.id)).toEqual(["b", "a"]);
  });

  test("a batch that repeats a request id, holds an initialize beside other messages, or is empty or too long: 400, nothing run", async () => {
    const agent = await fundedAgent(t, 10_000n);
    const pay = (id: number) => message("tools/call", { name: "pay", arguments: { to: "weather-pro", amount_atomic: "4000" } }, id);
    const repeated = await postMcp([pay(1), pay(1)], { authorization: `Bearer ${agent.key}` });
    expect([repeated.status, repeated.body.error.code]).toEqual([400, "invalid_request"]);
    expect(repeated.body.error.message).toContain("repeats the request id 1");
    const init = message("initialize", { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "t", version: "1" } });
    const withInit = await postMcp([init, message("ping", {}, 2)]);
    expect([withInit.status, withInit.body.error.code]).toEqual([400, "invalid_request"]);
    expect((await postMcp([])).status).toBe(400);
    expect((await postMcp(Array.from({ length: 101 }, (_, i) => message("ping", {}, i)))).status).toBe(400);
    // A batch cancelling its own request would wait for ever for the answer the SDK then never sends.
    const cancelled = await postMcp([pay(3), { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 3 } }], { authorization: `Bearer ${agent.key}` });
    expect([cancelled.status, cancelled.body.error.code]).toEqual([400, "invalid_request"]);
    // The second message of a batch is not JSON-RPC: the issue names it.
    const second = await postMcp([message("ping", {}, 1), { jsonrpc: "2.0", id: 2 }]);
    expect([second.status, second.body.error.details.issues[0].field]).toEqual([400, "1"]);
    expect((await agentRow(t, agent.id)).balance).toBe(10_000n);
  });

  test("GET (a server stream) and DELETE (ending a session) answer 405 with Allow: POST; other methods too", async () => {
    for (const method of ["GET", "DELETE", "PUT"]) {
      const res = await fetch(`${t.url}/mcp`, { method, headers: { accept: "text/event-stream", "mcp-session-id": "whatever" } });
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("POST");
      expect((await json(res)).error.code).toBe("method_not_allowed");
    }
  });
});

describe("refusals at the HTTP level, in the API's envelope", () => {
  test("a body that is not JSON, not JSON-RPC, or carries a NUL: 400 invalid_request", async () => {
    const notJson = await postMcp("{nope");
    expect([notJson.status, notJson.body.error.code]).toEqual([400, "invalid_request"]);
    const notRpc = await postMcp({ hello: "world" });
    expect([notRpc.status, notRpc.body.error.code]).toEqual([400, "invalid_request"]);
    expect(notRpc.body.error.details.issues.length).toBeGreaterThan(0);
    // JSON-RPC's envelope but neither a request nor a response: the SDK's refusal, in our envelope.
    const empty = await postMcp({ jsonrpc: "2.0" });
    expect([empty.status, empty.body.error.code]).toEqual([400, "invalid_request"]);
    const nul = await postMcp(message("tools/call", { name: "search_services", arguments: { query: "wea\u0000ther" } }));
    expect(nul.status).toBe(400);
    expect(nul.body.error.details.issues[0]).toMatchObject({ field: "params.arguments.query", location: "json" });
  });

  test("Accept without JSON: 406; a body that is not application/json: 415; an unknown MCP-Protocol-Version: 400", async () => {
    const html = await postMcp(message("ping"), { accept: "text/html" });
    expect([html.status, html.body.error.code]).toEqual([406, "not_acceptable"]);
    const text = await postMcp(JSON.stringify(message("ping")), { "content-type": "text/plain" });
    expect([text.status, text.body.error.code]).toEqual([415, "unsupported_media_type"]);
    const version = await postMcp(message("ping"), { "mcp-protocol-version": "1999-01-01" });
    expect([version.status, version.body.error.details.issues[0].field]).toEqual([400, "mcp-protocol-version"]);
    // Lenient where it costs nothing: no Accept, or JSON alone, is answered (we always answer JSON).
    expect((await postMcp(message("ping"), { accept: "application/json" })).body.result).toEqual({});
    expect((await postMcp(message("ping"), { accept: "" })).status).toBe(200);
  });

  test("arguments that are not an object, or an unknown method: JSON-RPC errors, never a 5xx", async () => {
    const notObject = await postMcp(message("tools/call", { name: "pay", arguments: "to=weather-pro" }));
    expect(notObject.status).toBe(200);
    expect(notObject.body.error.code).toBe(-32602);
    const unknown = await postMcp(message("tools/delete"));
    expect(unknown.body.error.code).toBe(-32601);
    const noTool = await postMcp(message("tools/call", { name: "steal", arguments: {} }));
    expect(noTool.body.result.isError).toBe(true);
    expect(noTool.body.result.content[0].text).toMatch(/^not_found: Tool steal not found/);
    expect(JSON.parse(noTool.body.result.content[1].text).error.code).toBe("not_found");
  });

  test("a tool call sent as a task (params.task): a JSON-RPC error before the tool runs, nothing paid", async () => {
    // No tasks capability, and every tool's taskSupport is "forbidden" (MCP 2025-11-25, Tasks).
    const agent = await fundedAgent(t, 100_000n);
    const before = await agentRow(t, agent.id);
    const pay = message("tools/call", { name: "pay", arguments: { to: "weather-pro", amount_atomic: "4000" }, task: { ttl: 60_000 } });
    const answered = await postMcp(pay, { authorization: `Bearer ${agent.key}` });
    expect(answered.status).toBe(200);
    expect(answered.body.error.message).toMatch(/task/i);
    expect(await agentRow(t, agent.id)).toEqual(before);
  });
});

describe("DNS-rebinding protection", () => {
  test("a browser Origin outside the allowed ones is refused before any message is read: 403 origin_not_allowed", async () => {
    for (const origin of ["http://evil.example", "null", "https://api.machpay.test.evil.example"]) {
      const r = await postMcp(message("ping"), { origin, host: "localhost" });
      expect([r.status, r.body.error.code]).toEqual([403, "origin_not_allowed"]);
    }
  });

  test("PUBLIC_URL's, the console's and loopback origins pass; so does no Origin (MCP hosts, the CLI)", async () => {
    for (const origin of ["https://api.machpay.test", "https://console.machpay.test", "http://localhost:6274", "http://127.0.0.1:8081", "http://[::1]:3000"]) {
      expect((await postMcp(message("ping"), { origin })).status).toBe(200);
    }
    expect((await postMcp(message("ping"))).status).toBe(200);
  });

  test("with MCP_ALLOWED_HOSTS set, another Host is refused too", async () => {
    const strict = await startTestApp({ MCP_ALLOWED_HOSTS: "api.machpay.test" }, { db: t.db });
    try {
      const wrong = await postMcp(message("ping"), {}, strict);
      expect([wrong.status, wrong.body.error.code]).toEqual([403, "origin_not_allowed"]);
      const right = await postMcp(message("ping"), { host: "api.machpay.test:443" }, strict);
      expect(right.status).toBe(200);
    } finally {
      await strict.close();
    }
  });
});

describe("audit", () => {
  test("each call is on its request's log line and counted per method, tool and outcome in /metrics", async () => {
    const agent = await fundedAgent(t, 10_000n);
    const client = await connectMcp(t, agent.readKey);
    try {
      await client.callTool({ name: "get_balance", arguments: {} });
      await client.callTool({ name: "pay", arguments: { to: "weather-pro", amount_atomic: "4000" } });
      await client.callTool({ name: "pay", arguments: { to: 7 } });
    } finally {
      await client.close();
    }
    const calls = t.logs.filter((l) => l.path === "/mcp" && Array.isArray(l.mcp)).flatMap((l) => (l.mcp as { tool?: string; outcome: string }[]).map((m) => ({ ...m, user_id: l.user_id, request_id: l.request_id })));
    expect(calls.filter((c) => c.tool === "pay" && c.user_id === String(agent.id)).map((c) => c.outcome)).toEqual(["insufficient_permissions", "invalid_arguments"]);
    expect(calls.every((c) => typeof c.request_id === "string")).toBe(true);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/mcp_requests_total\{method="tools\/call",tool="pay",outcome="insufficient_permissions"\} [1-9]/);
    expect(metrics).toMatch(/mcp_requests_total\{method="tools\/call",tool="get_balance",outcome="ok"\} [1-9]/);
    expect(metrics).toMatch(/mcp_request_duration_seconds_count\{method="tools\/call",tool="pay"\} [1-9]/);
  });
});
