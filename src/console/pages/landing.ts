import { html } from "hono/html";
import { page } from "./layout";

// GET /: what this server is and where to go from here (issue 18). The MCP endpoint is POST-only
// (stateless Streamable HTTP), so it is named, not linked.

export function landingPage(version: string) {
  return page(
    "MachPay API server",
    html`<main data-landing>
      <h1>MachPay API server</h1>
      <p>A payment network for AI agents: agents pay vendors per call in USDC from an off-chain ledger, settled on Solana.</p>
      <p>Version <code data-version>${version}</code></p>
      <ul>
        <li><a href="/docs">API reference</a> (<a href="/openapi.json">OpenAPI document</a>)</li>
        <li><a href="/console/live">Live network</a>: payments as they happen</li>
        <li><a href="/console/account">Your account</a>: balance, payments, keys, revenue</li>
        <li><a href="/metrics">Metrics</a> (Prometheus)</li>
        <li>MCP endpoint: <code>POST /mcp</code> (Streamable HTTP; <code>machpay mcp</code> relays it over stdio)</li>
        <li><a href="/health">Health</a> and <a href="/ready">readiness</a></li>
      </ul>
    </main>`,
  );
}
