import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startRealtime } from "@/realtime";
import { startSimulation } from "@/simulation";
import { startTestApp, type TestApp } from "../support/app";
import { ACTION_TIMEOUT_MS, BROWSER_TEST_TIMEOUT_MS, browserAvailable, browserForSuite } from "../support/browser";

// What `npm run dev` shows: the simulator's traffic on the live dashboard, drawn from SSE in a
// real Chromium.

const available = await browserAvailable();
let t: TestApp;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  t = await startTestApp();
  stops.push(startRealtime(t.deps, { statsMs: 200 }));
  stops.push(startSimulation(t.deps, { transactionMs: 200, balanceMs: 200, agents: 3, vendors: 2 }));
});
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  await t.close();
});

test("/console and /console/live serve the dashboard and its script", async () => {
  for (const path of ["/console", "/console/live"]) {
    const res = await fetch(t.url + path);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<script src="/console/assets/live.js"></script>');
    expect(html).toContain("data-ticker");
  }
  const js = await fetch(t.url + "/console/assets/live.js");
  expect(js.status).toBe(200);
  expect(await js.text()).toContain("window.MachPayLive");
});

describe.skipIf(!available)("the live dashboard in a browser", () => {
  const browser = browserForSuite();

  test(
    "ticker rows and stats numbers appear and keep coming",
    async () => {
      const context = await browser().newContext();
      const page = await context.newPage();
      page.setDefaultTimeout(ACTION_TIMEOUT_MS);
      await page.goto(`${t.url}/console/live`);
      await page.locator("[data-connection].on").waitFor();
      // Rows arrive from the stream (the simulator's feed is marked simulated).
      await page.locator("[data-ticker] tr.sim").nth(4).waitFor();
      const first = await page.locator("[data-ticker] tr").first().getAttribute("data-tx");
      await page.waitForFunction(`document.querySelector("[data-ticker] tr")?.getAttribute("data-tx") !== ${JSON.stringify(first)}`);
      const amount = await page.locator("[data-ticker] tr td.num").first().textContent();
      expect(amount).toMatch(/^\d+\.\d{6}$/);
      // Stats: the simulator's real payments are counted.
      await page.waitForFunction(`Number(document.querySelector('[data-stat="tx_count_24h"]')?.textContent) > 0`);
      expect(await page.locator('[data-stat="volume_24h"]').textContent()).toMatch(/^\d+\.\d{6}$/);
      expect(Number(await page.locator('[data-stat="active_agents_24h"]').textContent())).toBeGreaterThan(0);
      await context.close();
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
