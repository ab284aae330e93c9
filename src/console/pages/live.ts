import { html, raw } from "hono/html";
import { page } from "./layout";

// The live dashboard: network stats (the ledger's, and the gateways' telemetry) and the payment
// ticker, drawn from SSE by live.js.

const STYLE = `
  body { max-width: 60rem; }
  .tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); gap: .75rem; margin: 1rem 0; }
  .tile { border: 1px solid #ddd; border-radius: 8px; padding: .75rem; }
  .tile b { display: block; font-size: 1.4rem; font-variant-numeric: tabular-nums; }
  .tile span { color: #555; font-size: .85rem; }
  h2 { font-size: 1rem; margin: 1.5rem 0 0; } h2 small { color: #888; font-weight: normal; }
  table { width: 100%; border-collapse: collapse; font-size: .9rem; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #eee; }
  td.num { text-align: right; } .sim { color: #888; } .dot { display: inline-block; width: .6rem; height: .6rem; border-radius: 50%; background: #bbb; }
  .dot.on { background: #1a7f37; }`;

const tile = (key: string, label: string) => html`<div class="tile"><b data-stat="${key}">–</b><span>${label}</span></div>`;

export function livePage() {
  return page(
    "Live network",
    html`<style>${raw(STYLE)}</style>
      <h1>MachPay network, live <span class="dot" data-connection title="stream"></span></h1>
      <p>Payments as they happen (<code>GET /v1/events?topics=ticker,stats</code>). API reference: <a href="/docs">/docs</a>.</p>
      <div class="tiles">
        ${tile("tps", "payments / s")} ${tile("tx_count_24h", "payments, 24 h")} ${tile("volume_24h", "USDC, 24 h")}
        ${tile("avg_latency_ms_24h", "avg latency (ms)")} ${tile("active_agents_24h", "active agents")} ${tile("active_vendors_24h", "active vendors")}
      </div>
      <h2>As gateways report it, 24 h <small data-stat="telemetry_as_of" title="last rollup"></small></h2>
      <div class="tiles" data-telemetry>
        ${tile("telemetry_p99", "p99 latency (ms)")} ${tile("telemetry_p50", "p50 latency (ms)")} ${tile("telemetry_error_rate", "5xx error rate")}
        ${tile("telemetry_block_rate", "blocked requests")} ${tile("telemetry_uptime", "gateway uptime")} ${tile("telemetry_gateways", "gateways reporting")}
      </div>
      <table>
        <thead><tr><th>Time</th><th>Amount (USDC)</th><th>Service</th><th>Data center</th><th>Latency</th></tr></thead>
        <tbody data-ticker></tbody>
      </table>
      <script>
        window.addEventListener("DOMContentLoaded", function () {
          MachPayLive.start(document.body);
        });
      </script>`,
    ["/console/assets/live.js"],
  );
}
