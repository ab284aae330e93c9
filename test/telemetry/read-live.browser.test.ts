import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { manualClock } from "@/core/clock";
import { startRealtime } from "@/realtime";
import { startTestApp, type TestApp } from "../support/app";
import { createUser } from "../support/fixtures";
import { ACTION_TIMEOUT_MS, BROWSER_TEST_TIMEOUT_MS, browserAvailable, browserForSuite } from "../support/browser";
import { authorized, baseHour, ensurePartitions, MINUTE, packetsEveryMinute, rollup } from "./raw-rows";

// The public live page (/console/live) shows what gateways reported: p99 and p50 latency, the 5xx
// and block rates, uptime and the gateways reporting, drawn from the dashboard's first answer and
// the stats stream, in a real Chromium; dashes when no gateway reported.

const available = await browserAvailable();
const H0 = baseHour(0);
const clock = manualClock(new Date(H0.getTime() + 20 * MINUTE));
let t: TestApp;
let stopRealtime: () => Promise<void>;

beforeAll(async () => {
  t = await startTestApp({}, { clock });
  await ensurePartitions(t, clock.now());
  stopRealtime = startRealtime(t.deps, { statsMs: 100 });
});
afterAll(async () => {
  await stopRealtime();
  await t.close();
});

const text = (page: import("playwright-core").Page, key: string) => page.locator(`[data-stat="${key}"]`).textContent();

test("the page carries the telemetry tiles", async () => {
  const html = await (await fetch(t.url + "/console/live")).text();
  for (const key of ["telemetry_p99", "telemetry_p50", "telemetry_error_rate", "telemetry_block_rate", "telemetry_uptime", "telemetry_gateways"]) {
    expect(html).toContain(`data-stat="${key}"`);
  }
});

describe.skipIf(!available)("in a browser", () => {
  const browser = browserForSuite();

  test(
    "dashes without telemetry, then the gateways' figures once the rollup ran",
    async () => {
      const context = await browser().newContext();
      const page = await context.newPage();
      page.setDefaultTimeout(ACTION_TIMEOUT_MS);
      await page.goto(`${t.url}/console/live`);
      await page.locator("[data-connection].on").waitFor();
      await page.waitForFunction(`document.querySelector('[data-stat="tx_count_24h"]')?.textContent === "0"`);
      expect(await text(page, "telemetry_p99")).toBe("–");

      const vendor = await createUser(t, { profile: "vendor" });
      await packetsEveryMinute(t, { from: H0, to: new Date(H0.getTime() + 20 * MINUTE), vendorId: vendor.id, routes: { "/v1/chat": { "200": 95, "500": 5 } } });
      await authorized(t, [
        { time: new Date(H0.getTime() + MINUTE), vendorId: vendor.id, latencyMs: 40 },
        { time: new Date(H0.getTime() + 2 * MINUTE), vendorId: vendor.id, latencyMs: 40 },
      ]);
      await rollup(t, clock);
      // The public figures are cached for 5 s of the clock.
      clock.advance(6000);
      // Both payments took 40 ms: in [40, 50), so the p99 is 40 + 10 * 0.99 * 2 / 2.
      await page.waitForFunction(`document.querySelector('[data-stat="telemetry_p99"]')?.textContent === "49.9"`);
      expect(await text(page, "telemetry_p50")).toBe("45");
      expect(await text(page, "telemetry_error_rate")).toBe("5.00 %");
      expect(await text(page, "telemetry_block_rate")).toBe("0.00 %");
      expect(await text(page, "telemetry_uptime")).toBe("100.00 %");
      expect(await text(page, "telemetry_gateways")).toBe("1");
      await context.close();
    },
    BROWSER_TEST_TIMEOUT_MS,
  );
});
