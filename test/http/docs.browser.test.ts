import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { API_REFERENCE_SCRIPT } from "@/http/api-reference";
import { startTestApp, type TestApp } from "../support/app";
import { ACTION_TIMEOUT_MS, BROWSER_TEST_TIMEOUT_MS, browserAvailable, browserForSuite } from "../support/browser";

// /docs works with no network: the reference's bundle comes from this server (a pinned npm
// package), and a browser whose every request off localhost is refused still draws the operations.

const available = await browserAvailable();
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

test("/docs loads the reference's bundle from this server, not from a CDN", async () => {
  const html = await (await fetch(t.url + "/docs")).text();
  const sources = [...html.matchAll(/<(?:script|link)[^>]*(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
  expect(sources).toEqual([API_REFERENCE_SCRIPT]);
  expect(html).not.toMatch(/https?:\/\//);
  expect(API_REFERENCE_SCRIPT).toMatch(/^\/docs\/assets\/api-reference-\d+\.\d+\.\d+\.js$/);
  const script = await fetch(t.url + API_REFERENCE_SCRIPT);
  expect(script.status).toBe(200);
  expect(script.headers.get("content-type")).toContain("javascript");
  expect((await script.text()).length).toBeGreaterThan(1_000_000);
});

describe.skipIf(!available)("/docs in a browser with no network", () => {
  const browser = browserForSuite();

  test(
    "the operations of /openapi.json are drawn, and nothing is fetched off localhost",
    async () => {
      const context = await browser().newContext();
      const blocked: string[] = [];
      const local = new URL(t.url);
      await context.route("**/*", (route) => {
        const url = new URL(route.request().url());
        if (url.hostname === local.hostname || url.hostname === "localhost") return route.continue();
        blocked.push(url.href);
        return route.abort("internetdisconnected");
      });
      const page = await context.newPage();
      page.setDefaultTimeout(ACTION_TIMEOUT_MS);
      await page.goto(`${t.url}/docs`);
      // The document's first operation is drawn, and every tag of the document is a group of the
      // sidebar; opening one (by its link) draws its operations, e.g. the agent's payment.
      await page.getByText("Liveness: the process answers").first().waitFor();
      const doc = (await (await fetch(t.url + "/openapi.json")).json()) as { tags?: { name: string }[] };
      expect(doc.tags?.length ?? 0).toBeGreaterThan(5);
      for (const tag of doc.tags ?? []) await page.getByText(`Open Group - ${tag.name}`, { exact: true }).or(page.getByText(`Close Group - ${tag.name}`, { exact: true })).first().waitFor({ state: "attached" });
      await page.goto(`${t.url}/docs#tag/ledger/POST/v1/agent/pay`);
      await page.getByText("Pay a service or vendor from the agent's balance").first().waitFor();
      expect(await page.title()).toBe("MachPay API");
      // Whatever the bundle tried to reach outside was refused, and the page did not need it.
      expect(blocked.filter((u) => !u.startsWith("data:"))).toEqual([]);
      await context.close();
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
