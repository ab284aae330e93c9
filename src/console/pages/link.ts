import { html, raw } from "hono/html";
import { page, signInForm } from "./layout";

/**
 * The pairing page a device's link command points at (`<CONSOLE_URL>/link?code=XXXX-XXXX`): sign in,
 * see which device key asks to be linked, create the matching profile when there is none, approve.
 * Everything after the first render is /console/assets/link.js talking to the JSON API, writing
 * data only through textContent. `code` was validated by the route (8 letters of the pairing
 * alphabet and one dash), so embedding it through JSON.stringify cannot break out of the script.
 */
export function linkPage(code: string) {
  return page(
    "Link a device",
    html`<main data-link>
      <h1>Link a device</h1>
      <p>Pairing code <code>${code}</code></p>
      <p data-account hidden>
        Signed in as <strong data-account-name></strong>
        <button type="button" data-sign-out>Use another account</button>
      </p>

      <section data-step="signin" hidden>
        <p>Sign in to link this device to your MachPay account.</p>
        ${signInForm()}
      </section>

      <section data-step="request" hidden>
        <h2 data-request-title></h2>
        <p>Device key <code data-request-pubkey></code></p>
        <p>This code expires at <span data-request-expires></span>.</p>
      </section>

      <form data-step="agent-profile" hidden>
        <fieldset>
          <legend>Create your agent profile</legend>
          <label for="agent-name">Agent name</label>
          <input id="agent-name" name="name" maxlength="100" required />
          <label for="agent-description">Agent description (optional)</label>
          <input id="agent-description" name="description" maxlength="2000" />
          <button type="submit">Create agent profile</button>
          <p class="status error" data-form-error></p>
        </fieldset>
      </form>

      <form data-step="vendor-profile" hidden>
        <fieldset>
          <legend>Create your vendor profile</legend>
          <label for="vendor-name">Vendor name</label>
          <input id="vendor-name" name="name" maxlength="100" required />
          <label for="vendor-description">Vendor description (optional)</label>
          <input id="vendor-description" name="description" maxlength="2000" />
          <label for="vendor-service-type">Service type</label>
          <input id="vendor-service-type" name="service_type" maxlength="50" placeholder="inference-llm" required />
          <label for="vendor-price">Price per request, in USDC</label>
          <input id="vendor-price" name="price" inputmode="decimal" placeholder="0.005" required />
          <label for="vendor-withdrawal">Withdrawal address (your Solana wallet, where payouts go)</label>
          <input id="vendor-withdrawal" name="withdrawal_address" autocomplete="off" spellcheck="false" required />
          <button type="submit">Create vendor profile</button>
          <p class="status error" data-form-error></p>
        </fieldset>
      </form>

      <section data-step="approve" hidden>
        <p data-approve-as></p>
        <p>Approve only a code that you started yourself, on your own machine: the key above will act for this profile.</p>
        <button type="button" data-approve>Approve</button>
      </section>

      <section data-step="linked" hidden>
        <p class="status" data-linked-text></p>
        <div data-funding hidden>
          <h2>Fund your agent</h2>
          <p>
            Your agent spends from its MachPay balance. Deposits are made in USDC on Solana to the MachPay deposit
            address (GET /v1/agent/deposit-address); include the memo so the deposit is credited to this agent.
          </p>
          <dl data-deposit hidden>
            <dt>USDC deposit address (token account)</dt>
            <dd><code data-deposit-account></code></dd>
            <dt>Memo</dt>
            <dd><code data-deposit-memo></code></dd>
          </dl>
        </div>
      </section>

      <p class="status" data-link-message></p>
    </main>
    <script>
      window.addEventListener("DOMContentLoaded", function () {
        MachPayLink.start(document.querySelector("[data-link]"), ${raw(JSON.stringify(code))});
      });
    </script>`,
    ["/console/assets/signin.js", "/console/assets/link.js"],
  );
}
