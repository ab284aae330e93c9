import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { McpError, type CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { startTestApp, type TestApp } from "../support/app";
import { agentRow, transactionCount } from "../support/ledger";
import { connectMcp, fundedAgent, marketplace, refusalOf } from "../support/mcp";
import { approve, startPairing } from "../support/pairing";
import { newWallet } from "../support/solana-keys";
import { CLI_MAIN, removeTempDirs, tempHome } from "../cli/run";

// `machpay mcp`, the stdio server a desktop MCP host launches, driven by the SDK's own stdio
// Client: the real CLI as a subprocess, relaying to the real app. Its lists are the HTTP
// endpoint's, and the agent's credentials come from MACHPAY_API_KEY or its key file.

let t: TestApp;
const clients: Client[] = [];

beforeAll(async () => {
  t = await startTestApp();
  await marketplace(t);
});
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await t.close();
  removeTempDirs();
});

async function launch(env: Record<string, string> = {}, options: { home?: string; apiUrl?: string } = {}) {
  const home = options.home ?? tempHome();
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ["run", CLI_MAIN, "mcp"],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, MACHPAY_HOME: home, MACHPAY_API_URL: options.apiUrl ?? t.url, ...env },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: "machpay-stdio-test", version: "1.0.0" });
  clients.push(client);
  await client.connect(transport);
  return {
    client,
    stderr: () => stderr,
    call: async (name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult,
  };
}

describe("machpay mcp over stdio", () => {
  test("initializes as the same server, and lists exactly what /mcp lists", async () => {
    const { client, stderr } = await launch();
    const http = await connectMcp(t);
    clients.push(http);
    expect(client.getServerVersion()).toEqual(http.getServerVersion());
    expect(client.getServerCapabilities()).toEqual(http.getServerCapabilities());
    expect(await client.listTools()).toEqual(await http.listTools());
    expect(await client.listResources()).toEqual(await http.listResources());
    expect(await client.listResourceTemplates()).toEqual(await http.listResourceTemplates());
    expect(await client.listPrompts()).toEqual(await http.listPrompts());
    expect(stderr()).toContain(`relaying stdio to ${t.url}/mcp as no credential`);
  });

  test("searches, resolves and pays with MACHPAY_API_KEY; a retried idempotency_key pays once", async () => {
    const agent = await fundedAgent(t, 1_000_000n);
    const { call } = await launch({ MACHPAY_API_KEY: agent.key });
    const found = (await call("search_services", { query: "weather forecast" })).structuredContent as { services: { id: string; price_atomic: string }[] };
    expect(found.services[0]!.id).toBe("weather-pro");
    const service = (await call("get_service", { service_id: "weather-pro" })).structuredContent as { price_atomic: string; tools: unknown[] };
    expect(service.tools).toHaveLength(1);

    const args = { to: "weather-pro", amount_atomic: service.price_atomic, idempotency_key: "stdio-1" };
    const first = (await call("pay", args)).structuredContent as { transaction: { id: string }; replayed: boolean };
    const again = (await call("pay", args)).structuredContent as { transaction: { id: string }; replayed: boolean };
    expect([first.replayed, again.replayed]).toEqual([false, true]);
    expect(again.transaction.id).toBe(first.transaction.id);
    expect((await agentRow(t, agent.id)).balance).toBe(996_000n);
    expect(await transactionCount(t, agent.id)).toBe(1);
  });

  test("a read-only MACHPAY_API_KEY reads but cannot pay: the API's refusal, relayed", async () => {
    const agent = await fundedAgent(t, 100_000n);
    const { call } = await launch({ MACHPAY_API_KEY: agent.readKey });
    expect(((await call("get_balance")).structuredContent as { available_atomic: string }).available_atomic).toBe("100000");
    expect(refusalOf(await call("pay", { to: "weather-pro", amount_atomic: "4000" })).code).toBe("insufficient_permissions");
    expect(await transactionCount(t, agent.id)).toBe(0);
  });

  test("the linked agent key file signs each request: the agent's account, read only", async () => {
    const agent = await fundedAgent(t, 70_000n);
    const home = tempHome();
    const wallet = await newWallet();
    mkdirSync(join(home, "agent"), { recursive: true, mode: 0o700 });
    writeFileSync(join(home, "agent", "secret_key.json"), JSON.stringify(Array.from(wallet.secretKey64)), { mode: 0o600 });
    const pairing = await startPairing(t, "agent", wallet);
    expect((await approve(t, agent.token, pairing.body.code)).res.status).toBe(200);

    const { call, stderr } = await launch({}, { home });
    expect(((await call("get_balance")).structuredContent as { available_atomic: string }).available_atomic).toBe("70000");
    expect(refusalOf(await call("pay", { to: "weather-pro", amount_atomic: "4000" })).code).toBe("insufficient_permissions");
    expect(stderr()).toContain(`the agent key ${wallet.address}`);
  });

  test("without credentials: discovery answers, the account tools refuse (unauthorized)", async () => {
    const { call } = await launch();
    expect((await call("network_stats")).isError).toBeFalsy();
    expect(refusalOf(await call("get_balance")).code).toBe("unauthorized");
  });

  test("an API that refuses at the HTTP level: the host gets a JSON-RPC error with the API's code", async () => {
    const strict = await startTestApp({ MCP_ALLOWED_HOSTS: "api.machpay.test" }, { db: t.db });
    try {
      const failure = await launch({}, { apiUrl: strict.url }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(McpError);
      expect((failure as McpError).message).toContain(`the MachPay API at ${strict.url} refused the request (HTTP 403): origin_not_allowed`);
    } finally {
      await strict.close();
    }
  });

  test("an API that does not answer: the host gets a JSON-RPC error naming it, not silence", async () => {
    // A port that was open a moment ago and is closed now.
    const server = Bun.serve({ port: 0, fetch: () => new Response() });
    const port = server.port;
    await server.stop(true);
    const failure = await launch({}, { apiUrl: `http://127.0.0.1:${port}` }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(McpError);
    expect((failure as McpError).message).toContain(`the MachPay API at http://127.0.0.1:${port} did not answer`);
  });
});
