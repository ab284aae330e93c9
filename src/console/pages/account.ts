import { html, raw } from "hono/html";
import { page, signInForm } from "./layout";

// The signed-in person's account: an agent's money and keys, or a vendor's revenue, payouts,
// endpoints and gateway keys. Everything after the first render is /console/assets/account.js
// calling the public JSON API with the session token the sign-in widget keeps in sessionStorage.

const WIDE = `main[data-account-page] { max-width: 56rem; } body { max-width: 58rem; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; } td, th { border-top: 1px solid #eee; padding: .3rem .4rem; text-align: left; } th { font-weight: 600; color: #555; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; } dd { margin: 0; font-variant-numeric: tabular-nums; }
  form[data-create-key] { display: flex; gap: .5rem; align-items: center; } form[data-create-key] input { margin: 0; }
  .secret { background: #fff8e0; border: 1px solid #e8c96a; border-radius: 8px; padding: .75rem; }
  [data-revenue-chart] { min-height: 220px; }`;

const keysSection = (kind: "agent" | "vendor", title: string, hint: string) => html`<h2>${title}</h2>
  <form data-create-key="${kind}">
    <input name="name" maxlength="50" placeholder="Key name" required />
    <button type="submit">Create key</button>
  </form>
  <div class="secret" data-new-key="${kind}" hidden>
    <p>Your new key, shown this once: copy it now. ${hint}</p>
    <code data-new-key-secret></code>
  </div>
  <table><thead><tr><th>Name</th><th>Key</th><th>Permissions</th><th>Last used</th><th>State</th><th></th></tr></thead><tbody data-keys="${kind}"></tbody></table>`;

export function accountPage(uplotScript: string, uplotStyle: string) {
  return page(
    "Account",
    html`<link rel="stylesheet" href="${uplotStyle}" />
      <style>${raw(WIDE)}</style>
      <main data-account-page>
        <h1>Your MachPay account</h1>
        <p data-who hidden>Signed in as <strong data-who-name></strong> (<span data-who-role></span>) <button type="button" data-sign-out>Sign out</button></p>
        <section data-step="signin" hidden>
          <p>Sign in to see your balance, payments and keys.</p>
          ${signInForm()}
        </section>
        <section data-step="none" hidden>
          <p>This account has no agent or vendor profile yet. Link a device (<code>machpay agent link</code> or <code>machpay vendor link</code>) to create one.</p>
        </section>

        <section data-step="agent" hidden>
          <h2>Balance (USDC)</h2>
          <dl>
            <dt>Available</dt><dd data-balance-available></dd>
            <dt>Bond</dt><dd data-balance-bonded></dd>
            <dt>Pending deposits</dt><dd data-balance-pending></dd>
          </dl>
          <h2>Limits</h2>
          <dl>
            <dt>Per payment</dt><dd data-limit-payment></dd>
            <dt>Per day</dt><dd data-limit-daily></dd>
            <dt>Vendors</dt><dd data-limit-vendors></dd>
          </dl>
          <h2>Deposit address</h2>
          <p data-deposit>Send USDC to <code data-deposit-account></code> with the memo <code data-deposit-memo></code>.</p>
          <p class="error" data-deposit-unavailable hidden></p>
          <h2>Recent payments</h2>
          <p data-transactions-empty hidden>No payments yet.</p>
          <table><thead><tr><th>When</th><th>To</th><th>USDC</th><th>Status</th><th>Source</th></tr></thead><tbody data-transactions></tbody></table>
          ${keysSection("agent", "API keys", "Agents send it as Authorization: Bearer.")}
        </section>

        <section data-step="vendor" hidden>
          <h2>Revenue</h2>
          <p>
            <select data-revenue-period>
              <option value="24h">Last 24 hours (hourly)</option>
              <option value="7d" selected>Last 7 days (daily)</option>
              <option value="30d">Last 30 days (daily)</option>
            </select>
            Total <strong data-revenue-total></strong> USDC
          </p>
          <div data-revenue-chart></div>
          <dl>
            <dt>Earned (all time)</dt><dd data-stat-revenue></dd>
            <dt>Unsettled</dt><dd data-stat-unsettled></dd>
            <dt>Paid out</dt><dd data-stat-settled></dd>
            <dt>Payments</dt><dd data-stat-payments></dd>
          </dl>
          <h2>Payouts</h2>
          <p data-payouts-empty hidden>No payouts yet.</p>
          <table><thead><tr><th>Requested</th><th>USDC</th><th>Status</th><th>Transaction</th></tr></thead><tbody data-payouts></tbody></table>
          <h2>Endpoints</h2>
          <p data-endpoints-empty hidden>No endpoints registered yet.</p>
          <table><thead><tr><th>Id</th><th>Name</th><th>Type</th><th>USDC per call</th><th>State</th><th>Search index</th></tr></thead><tbody data-endpoints></tbody></table>
          ${keysSection("vendor", "Gateway keys", "Your gateway sends it to MachPay.")}
        </section>
        <p class="status" data-page-status></p>
      </main>`,
    ["/console/assets/signin.js", uplotScript, "/console/assets/account.js"],
  );
}
