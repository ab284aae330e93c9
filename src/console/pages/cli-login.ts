import { html, raw } from "hono/html";
import { page, signInForm } from "./layout";

/**
 * The CLI login handoff: `machpay login` listens on localhost:<port> and opens this page. After
 * sign-in the browser goes to http://localhost:<port>/callback?token=<JWT>, and nowhere else:
 * the host is fixed here, and the port was validated before this page was rendered.
 */
export function cliLoginPage(port: number) {
  const callback = `http://localhost:${port}/callback`;
  return page(
    "Sign in to the MachPay CLI",
    html`<h1>Sign in to the MachPay CLI</h1>
      <p>After you sign in, your terminal receives an access token at <code>${callback}</code>.</p>
      ${signInForm()}
      <script>
        window.addEventListener("DOMContentLoaded", function () {
          var callback = ${raw(JSON.stringify(callback))};
          MachPaySignIn.mount(document.querySelector("[data-signin]"), function (session) {
            location.assign(callback + "?token=" + encodeURIComponent(session.token));
          });
        });
      </script>`,
    ["/console/assets/signin.js"],
  );
}

export function errorPage(title: string, message: string) {
  return page(title, html`<h1>${title}</h1><p class="status error">${message}</p>`);
}
