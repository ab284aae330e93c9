import { existsSync } from "node:fs";
import type { FetchLike } from "@modelcontextprotocol/sdk/shared/transport.js";
import { readConfig } from "../config";
import type { CliContext } from "../context";
import { deviceAuthorization } from "../device-auth";
import { loadKey } from "../keyfile";
import { relayStdio } from "../mcp-relay";
import { AGENT, keyPathFor, warnIfLoose } from "./device";

// `machpay mcp`: MachPay as a local MCP server for desktop hosts (stdio), relaying to <api-url>/mcp
// (mcp-relay.ts) as the agent. The credential, first found wins:
//   1. MACHPAY_API_KEY: an agent API key; with write permission it can pay;
//   2. the agent key file (`machpay agent init` + `link`): each request signed anew with
//      `Authorization: Device ...`, which reads only (search, balance, transactions; pay is refused);
//   3. the access token `machpay login` keeps (it expires: an hour by default);
//   4. none: discovery tools only.

interface Credential {
  describe: string;
  authorization(method: string, url: string): Promise<string | undefined>;
}

async function credentialOf(ctx: CliContext, keypair: string | undefined): Promise<Credential> {
  if (ctx.apiKey) {
    const key = ctx.apiKey;
    return { describe: `the API key in MACHPAY_API_KEY (${key.slice(0, 14)}...)`, authorization: async () => `Bearer ${key}` };
  }
  const path = keyPathFor(ctx, AGENT, keypair);
  if (keypair !== undefined || existsSync(path)) {
    const key = await loadKey(path);
    warnIfLoose(ctx, key);
    return {
      describe: `the agent key ${key.address} (${path}): read only; set MACHPAY_API_KEY to pay`,
      authorization: (method, url) => deviceAuthorization(key, method, url, ctx.nowSeconds()),
    };
  }
  const token = readConfig(ctx.home).auth?.access_token;
  if (token) return { describe: "the access token of `machpay login` (it expires; MACHPAY_API_KEY does not)", authorization: async () => `Bearer ${token}` };
  return { describe: "no credential: discovery tools only (set MACHPAY_API_KEY, or run `machpay agent init` and `link`)", authorization: async () => undefined };
}

export async function mcpCommand(ctx: CliContext, options: { keypair: string | undefined }) {
  const credential = await credentialOf(ctx, options.keypair);
  const endpoint = new URL(`${ctx.apiUrl}/mcp`);
  const authorizedFetch: FetchLike = async (url, init) => {
    const headers = new Headers(init?.headers);
    const authorization = await credential.authorization(init?.method ?? "GET", String(url));
    if (authorization) headers.set("authorization", authorization);
    return fetch(url, { ...init, headers });
  };
  ctx.out.info(`machpay mcp: relaying stdio to ${endpoint.href} as ${credential.describe}`);
  await relayStdio({ endpoint, fetch: authorizedFetch, stdin: process.stdin, stdout: process.stdout, log: (line) => ctx.out.info(line) });
}
