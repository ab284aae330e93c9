import { afterAll, beforeAll } from "bun:test";
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

// Browser tests drive Debian's chromium (scripts/lib/chromium.sh installs it) through
// playwright-core, which brings no browser of its own.

export const CHROMIUM_PATH = "/usr/bin/chromium";

/**
 * bun's default test timeout (5 s) kills the test's child processes, Chromium included, which
 * would fail every later test of the file too. Browser tests take this budget, and page actions
 * give up well before it (page.setDefaultTimeout(ACTION_TIMEOUT_MS)) with an error that says what
 * the page lacked.
 */
export const BROWSER_TEST_TIMEOUT_MS = 30_000;
export const ACTION_TIMEOUT_MS = 10_000;

const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A headless Chromium; launch() gives every browser a new, empty profile directory. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/**
 * A browser for the tests of the enclosing describe: launched before them (within the browser
 * tests' budget), closed after. Call it inside the describe; the function it returns gives it.
 */
export function browserForSuite(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
  }, BROWSER_TEST_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error("browserForSuite: the browser was not launched (called outside a describe's tests?)");
    return browser;
  };
}

let probe: Promise<boolean> | undefined;

/**
 * Whether Chromium can be launched here. Checked once per test process (the module is shared by
 * every test file), and when it cannot, one line on stderr says why the browser tests are skipped.
 */
export function browserAvailable(): Promise<boolean> {
  probe ??= (async () => {
    let reason: string | null = null;
    if (!existsSync(CHROMIUM_PATH)) {
      reason = `${CHROMIUM_PATH} is missing (scripts/test installs Debian's chromium with apt when it can)`;
    } else {
      try {
        await (await launchBrowser()).close();
      } catch (error) {
        reason = `${CHROMIUM_PATH} does not start: ${String((error as Error).message ?? error).split("\n")[0]}`;
      }
    }
    if (reason) process.stderr.write(`browser tests skipped: ${reason}\n`);
    return reason === null;
  })();
  return probe;
}

export interface LocalhostServer {
  port: number;
  stop(): Promise<void>;
}

/**
 * An HTTP server a browser reaches as http://localhost:<port>: Chromium resolves "localhost" to
 * both ::1 and 127.0.0.1 whatever /etc/hosts says, so the port is bound on both loopbacks (on
 * 127.0.0.1 alone where the machine has no IPv6).
 */
export function serveLocalhost(fetch: (req: Request) => Response | Promise<Response>): LocalhostServer {
  for (let attempt = 0; attempt < 10; attempt++) {
    const v4 = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch });
    const port = v4.port!;
    try {
      const v6 = Bun.serve({ hostname: "::1", port, fetch });
      return { port, stop: async () => void (await Promise.all([v4.stop(true), v6.stop(true)])) };
    } catch (error) {
      // Taken on ::1 by someone else: pick another port. Any other failure: no IPv6 loopback.
      if ((error as { code?: string }).code !== "EADDRINUSE") return { port, stop: () => v4.stop(true) };
      v4.stop(true);
    }
  }
  throw new Error("no port free on both 127.0.0.1 and ::1 after 10 tries");
}
