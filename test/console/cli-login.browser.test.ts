import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { randomBase62 } from "@/core/ids";
import { startTestApp, type TestApp } from "../support/app";
import {
  ACTION_TIMEOUT_MS,
  BROWSER_TEST_TIMEOUT_MS,
  browserAvailable,
  launchBrowser,
  serveLocalhost,
  type LocalhostServer,
} from "../support/browser";
import { json } from "../support/http";
import { startSmtpServer, type SmtpStandIn } from "../support/smtp";

// `machpay login` in a real Chromium: the page signs in by email and hands the token to the CLI's
// local callback server, played here by a tiny HTTP server on a free port.

const available = await browserAvailable();

describe.skipIf(!available)("CLI login handoff in a browser", () => {
  let t: TestApp;
  let smtp: SmtpStandIn;
  let browser: Browser;
  let cli: LocalhostServer;
  const callbacks: URL[] = [];
  let callbackArrived: (url: URL) => void = () => {};

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await startTestApp({ SMTP_URL: smtp.url });
    browser = await launchBrowser();
    cli = serveLocalhost((req) => {
      const url = new URL(req.url);
      if (url.pathname !== "/callback") return new Response("not found", { status: 404 });
      callbacks.push(url);
      callbackArrived(url);
      return new Response("Signed in; you can close this tab.", { headers: { "content-type": "text/plain" } });
    });
  }, BROWSER_TEST_TIMEOUT_MS);
  afterAll(async () => {
    await cli?.stop();
    await browser?.close();
    await t?.close();
    await smtp?.close();
  });

  test("signing in by email sends a working access token to http://localhost:<port>/callback", async () => {
    const email = `cli-${randomBase62(10).toLowerCase()}@example.test`;
    const arrived = new Promise<URL>((resolve) => (callbackArrived = resolve));
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(ACTION_TIMEOUT_MS);
    await page.goto(`${t.url}/console/auth/cli?port=${cli.port}`);

    await page.locator("[data-email]").fill(email);
    await page.locator("[data-email-send]").click();
    const mail = await smtp.waitForMail(email);
    await page.locator("[data-code]").fill(/\b(\d{6})\b/.exec(mail.text)![1]!);
    await page.locator("[data-email-verify]").click();

    await page.waitForURL(`http://localhost:${cli.port}/callback?token=*`);
    await page.getByText("Signed in; you can close this tab.").waitFor();
    const callback = await arrived;
    expect(callbacks).toHaveLength(1);
    const token = callback.searchParams.get("token")!;
    expect(token.split(".")).toHaveLength(3);

    const me = await fetch(t.url + "/v1/me", { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    const claims = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8"));
    expect(typeof claims.sub).toBe("string");
    expect(claims.email).toBe(email);
    expect(await json(me)).toMatchObject({ user_id: claims.sub, via: "jwt" });
    await context.close();
  }, BROWSER_TEST_TIMEOUT_MS);
});
