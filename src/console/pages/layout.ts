import { html, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const STYLE = `
  body { font: 15px/1.5 system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem; color: #111; }
  h1 { font-size: 1.4rem; } fieldset { border: 1px solid #ddd; border-radius: 8px; margin: 1rem 0; padding: 1rem; }
  input, textarea, select { width: 100%; box-sizing: border-box; padding: .5rem; margin: .25rem 0 .75rem; font: inherit; }
  textarea { height: 9rem; font-family: ui-monospace, monospace; font-size: 12px; }
  button { padding: .5rem 1rem; font: inherit; cursor: pointer; } .status { color: #064; min-height: 1.5em; } .error { color: #a00; }
  code { background: #f4f4f4; padding: .1rem .3rem; border-radius: 4px; word-break: break-all; }`;

export function page(title: string, body: Html, scripts: string[] = []): Html {
  return html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${title} · MachPay</title>
    <style>${raw(STYLE)}</style>
  </head>
  <body>
    ${body}
    ${scripts.map((src) => html`<script src="${src}"></script>`)}
  </body>
</html>`;
}

/** The sign-in widget's markup; /console/assets/signin.js gives it behaviour. */
export function signInForm(): Html {
  return html`<div data-signin>
    <fieldset>
      <legend>Email</legend>
      <input data-email type="email" placeholder="you@example.com" autocomplete="email" />
      <button type="button" data-email-send>Send code</button>
      <div data-code-row hidden>
        <input data-code inputmode="numeric" maxlength="6" placeholder="6-digit code" />
        <button type="button" data-email-verify>Sign in</button>
      </div>
    </fieldset>
    <fieldset>
      <legend>Solana wallet</legend>
      <input data-wallet-address placeholder="Wallet address (empty: use the browser wallet)" />
      <button type="button" data-wallet-challenge>Get message to sign</button>
      <div data-wallet-sign-row hidden>
        <textarea data-wallet-message readonly></textarea>
        <input data-wallet-signature placeholder="base58 signature of the message above" />
        <button type="button" data-wallet-login>Sign in</button>
      </div>
    </fieldset>
    <p class="status" data-status></p>
  </div>`;
}
