import type { OpenAPIHono } from "@hono/zod-openapi";
import type { HonoEnv } from "@/http/env";
import signinJs from "./assets/signin.js" with { type: "text" };
import { cliLoginPage, errorPage } from "./pages/cli-login";

// Server-rendered console pages (no front-end build). HTML, so they stay out of the OpenAPI document.

/** CLI callback ports: unprivileged only, like the public machpay CLI (1024-65535). */
export function parseCliPort(raw: string | undefined): number | null {
  if (!raw || !/^\d{1,5}$/.test(raw)) return null;
  const port = Number(raw);
  return port >= 1024 && port <= 65535 ? port : null;
}

export function registerConsoleRoutes(router: OpenAPIHono<HonoEnv>) {
  router.get("/console/assets/signin.js", (c) => {
    c.header("Cache-Control", "public, max-age=300");
    return c.body(signinJs, 200, { "Content-Type": "text/javascript; charset=utf-8" });
  });
  router.get("/console/auth/cli", (c) => {
    const port = parseCliPort(c.req.query("port"));
    if (port === null) {
      return c.html(errorPage("Invalid CLI login link", "The port must be a number from 1024 to 65535. Run `machpay login` again."), 400);
    }
    c.header("Cache-Control", "no-store");
    return c.html(cliLoginPage(port), 200);
  });
}
