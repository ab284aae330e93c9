import type { OpenAPIHono } from "@hono/zod-openapi";
// The reference's browser bundle, from the pinned npm package (package.json holds its exact
// version): embedded as a file, so `bun build --compile` carries it inside the single binary and
// /docs needs no CDN. The package does not export its browser build, hence the path.
import bundlePath from "../../node_modules/@scalar/api-reference/dist/browser/standalone.js" with { type: "file" };
import scalarPackage from "../../node_modules/@scalar/api-reference/package.json" with { type: "json" };
import type { HonoEnv } from "./env";

/** Where the page loads the bundle from; the version in the path lets browsers cache it for good. */
export const API_REFERENCE_SCRIPT = `/docs/assets/api-reference-${scalarPackage.version}.js`;

// What the page asks of the bundle: nothing from outside (no web fonts, no telemetry, no AI agent).
const referenceConfig = {
  url: "/openapi.json",
  withDefaultFonts: false,
  telemetry: false,
  showDeveloperTools: "never",
  agent: { disabled: true },
};

const page = `<!doctype html>
<html lang="en">
  <head>
    <title>MachPay API</title>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
  </head>
  <body>
    <div id="app"></div>
    <script src="${API_REFERENCE_SCRIPT}"></script>
    <script>Scalar.createApiReference("#app", ${JSON.stringify(referenceConfig)});</script>
  </body>
</html>
`;

/** GET /docs (the interactive reference of /openapi.json) and the bundle it loads, both from this server. */
export function registerApiReference(app: OpenAPIHono<HonoEnv>) {
  app.get("/docs", (c) => c.html(page));
  app.get(API_REFERENCE_SCRIPT, () => {
    const file = Bun.file(bundlePath);
    return new Response(file, {
      headers: { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "public, max-age=31536000, immutable" },
    });
  });
}
