import type { OpenAPIHono } from "@hono/zod-openapi";
import type { HonoEnv } from "@/http/env";
import { normaliseUserCode } from "@/pairing";
import { displayUserCode } from "@/pairing";
import linkJs from "./assets/link.js" with { type: "text" };
import liveJs from "./assets/live.js" with { type: "text" };
import signinJs from "./assets/signin.js" with { type: "text" };
import accountJs from "./assets/account.js" with { type: "text" };
// uPlot from its pinned npm package (package.json), embedded like our own assets: no CDN, and the
// compiled binary carries it. The version in the path lets browsers keep it.
import uplotJs from "../../node_modules/uplot/dist/uPlot.iife.min.js" with { type: "text" };
import uplotCss from "../../node_modules/uplot/dist/uPlot.min.css" with { type: "text" };
import uplotPackage from "../../node_modules/uplot/package.json" with { type: "json" };
import pkg from "../../package.json" with { type: "json" };
import { accountPage } from "./pages/account";
import { landingPage } from "./pages/landing";
import { cliLoginPage, errorPage } from "./pages/cli-login";
import { linkPage } from "./pages/link";
import { livePage } from "./pages/live";

// Server-rendered console pages (no front-end build). HTML, so they stay out of the OpenAPI document.

/** CLI callback ports: unprivileged only, like the public machpay CLI (1024-65535). */
export function parseCliPort(raw: string | undefined): number | null {
  if (!raw || !/^\d{1,5}$/.test(raw)) return null;
  const port = Number(raw);
  return port >= 1024 && port <= 65535 ? port : null;
}

const SCRIPTS: Record<string, string> = { "signin.js": signinJs, "link.js": linkJs, "live.js": liveJs, "account.js": accountJs };
export const UPLOT_SCRIPT = `/console/assets/uplot-${uplotPackage.version}.min.js`;
export const UPLOT_STYLE = `/console/assets/uplot-${uplotPackage.version}.min.css`;

// The account page holds a session token: no framing, and nothing but this server's scripts.
const ACCOUNT_CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function registerConsoleRoutes(router: OpenAPIHono<HonoEnv>) {
  for (const [name, text] of Object.entries(SCRIPTS)) {
    router.get(`/console/assets/${name}`, (c) => {
      c.header("Cache-Control", "public, max-age=300");
      return c.body(text, 200, { "Content-Type": "text/javascript; charset=utf-8" });
    });
  }
  router.get(UPLOT_SCRIPT, (c) => {
    c.header("Cache-Control", "public, max-age=31536000, immutable");
    return c.body(uplotJs, 200, { "Content-Type": "text/javascript; charset=utf-8" });
  });
  router.get(UPLOT_STYLE, (c) => {
    c.header("Cache-Control", "public, max-age=31536000, immutable");
    return c.body(uplotCss, 200, { "Content-Type": "text/css; charset=utf-8" });
  });
  router.get("/", (c) => c.html(landingPage(pkg.version), 200));
  router.get("/console/account", (c) => {
    c.header("Cache-Control", "no-store");
    c.header("X-Frame-Options", "DENY");
    c.header("Content-Security-Policy", ACCOUNT_CSP);
    return c.html(accountPage(UPLOT_SCRIPT, UPLOT_STYLE), 200);
  });
  // The live dashboard is the console's front page too: `npm run dev` shows it at /console.
  for (const path of ["/console", "/console/live"]) router.get(path, (c) => c.html(livePage(), 200));
  router.get("/console/auth/cli", (c) => {
    const port = parseCliPort(c.req.query("port"));
    if (port === null) {
      return c.html(errorPage("Invalid CLI login link", "The port must be a number from 1024 to 65535. Run `machpay login` again."), 400);
    }
    c.header("Cache-Control", "no-store");
    return c.html(cliLoginPage(port), 200);
  });
  router.get("/console/link", (c) => {
    // Only a well-formed code reaches the page (and its script): anything else is a 400 here.
    const code = normaliseUserCode(c.req.query("code") ?? "");
    if (code === null) {
      return c.html(
        errorPage("Invalid pairing link", "The code must be 8 letters, as the device printed it (XXXX-XXXX). Run the link command on the device again."),
        400,
      );
    }
    c.header("Cache-Control", "no-store");
    // Approving binds a key to the account: never inside someone else's frame (clickjacking).
    c.header("X-Frame-Options", "DENY");
    c.header("Content-Security-Policy", "frame-ancestors 'none'");
    return c.html(linkPage(displayUserCode(code)), 200);
  });
}
