import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { manualClock, unixSeconds } from "@/core/clock";
import { randomBase62 } from "@/core/ids";
import { startTestApp, type TestApp } from "../support/app";
import { ACTION_TIMEOUT_MS, BROWSER_TEST_TIMEOUT_MS, browserAvailable, browserForSuite } from "../support/browser";
import { createUser } from "../support/fixtures";
import { startSmtpServer, type SmtpStandIn } from "../support/smtp";
import { newWallet } from "../support/solana-keys";

// The pairing page (/console/link?code=) in a real Chromium: email sign-in over real SMTP, the
// profile forms, approval; then the API confirms what the page claims.

const available = await browserAvailable();
const clock = manualClock();
let t: TestApp;
let smtp: SmtpStandIn;

beforeAll(async () => {
  smtp = await startSmtpServer();
  t = await startTestApp({ SMTP_URL: smtp.url }, { clock });
});
afterAll(async () => {
  await t.close();
  await smtp.close();
});

const freshEmail = () => `link-${randomBase62(10).toLowerCase()}@example.test`;

/** A device asks to be linked, signing the init proof with a real key. */
async function initLink(kind: "agent" | "vendor") {
  const wallet = await newWallet();
  const timestamp = unixSeconds(clock.now());
  const signature = await wallet.signBase58(`machpay-link-init:${kind}:${wallet.address}:${timestamp}`);
  const { data, response } = await t.client().POST("/v1/link/init", { body: { pubkey: wallet.address, kind, timestamp, signature } });
  expect(response.status).toBe(201);
  return { pubkey: wallet.address, code: data!.code, deviceCode: data!.device_code };
}

describe("the pairing page, served", () => {
  test("a well-formed code gets the page, normalised, and embedded only as a JSON string", async () => {
    const res = await fetch(t.url + "/console/link?code=bcdf%20ghjk");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("content-security-policy")).toBe("frame-ancestors 'none'");
    const page = await res.text();
    expect(page).toContain('MachPayLink.start(document.querySelector("[data-link]"), "BCDF-GHJK");');
    expect(page).toContain('<script src="/console/assets/link.js"></script>');
  });

  test.each(["", "BCDF-GHJ", "BCDF-GHJKL", "AEIO-U123", "BCDF-GHJK<script>", 'BCDF"GHJK', "BCDF-GHJK&code=x"])(
    "refuses the code %p with a 400 page that does not echo it",
    async (code) => {
      const res = await fetch(t.url + "/console/link?code=" + encodeURIComponent(code));
      expect(res.status).toBe(400);
      const page = await res.text();
      expect(page).toContain("Invalid pairing link");
      expect(page).not.toContain("MachPayLink");
      if (code) expect(page).not.toContain(code);
    },
  );

  test("refuses a missing code", async () => {
    expect((await fetch(t.url + "/console/link")).status).toBe(400);
  });

  test("serves the page's script", async () => {
    const res = await fetch(t.url + "/console/assets/link.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("javascript");
    expect(await res.text()).toContain("window.MachPayLink");
  });
});

describe.skipIf(!available)("the pairing page in a browser", () => {
  const browser = browserForSuite();

  /** A fresh browser context (empty sessionStorage) on the link page. */
  async function openLinkPage(code: string): Promise<Page> {
    const context = await browser().newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(ACTION_TIMEOUT_MS);
    await page.goto(`${t.url}/console/link?code=${code}`);
    return page;
  }

  /** Signs in through the page's email form, reading the code from the mail that arrived. */
  async function signInByEmail(page: Page, email: string) {
    await page.locator("[data-email]").fill(email);
    await page.locator("[data-email-send]").click();
    const mail = await smtp.waitForMail(email);
    const code = /\b(\d{6})\b/.exec(mail.text)![1]!;
    await page.locator("[data-code]").fill(code);
    await page.locator("[data-email-verify]").click();
    await page.locator("[data-account-name]", { hasText: email }).waitFor();
  }

  /** Waits until the element holds exactly `text` (the page fills it in after an API answer). */
  const shows = (page: Page, selector: string, text: string) => page.locator(selector).getByText(text, { exact: true }).waitFor();

  /** The page's session token, as the sign-in widget stored it. */
  const pageToken = async (page: Page): Promise<string> =>
    page.evaluate(() => JSON.parse(sessionStorage.getItem("machpay.session")!).token as string);

  test("signs in by email, creates the agent profile, approves, and the device sees it linked", async () => {
    const device = await initLink("agent");
    const page = await openLinkPage(device.code);
    await expect(page.locator("[data-approve]").isVisible()).resolves.toBe(false);
    await signInByEmail(page, freshEmail());

    await shows(page, "[data-request-title]", "An agent asks to be linked");
    await shows(page, "[data-request-pubkey]", device.pubkey);
    // Data goes in as text: markup in a name stays characters on the screen.
    const name = `Ada's <b>agent</b> & "co"`;
    await page.getByLabel("Agent name").fill(name);
    await page.getByLabel("Agent description (optional)").fill("Buys inference");
    await page.getByRole("button", { name: "Create agent profile" }).click();
    const depositAnswer = page.waitForResponse((res) => new URL(res.url()).pathname === "/v1/agent/deposit-address");
    await page.getByRole("button", { name: "Approve" }).click();

    const linked = page.locator("[data-linked-text]");
    await linked.getByText(`Linked to Agent: ${name}`, { exact: true }).waitFor();
    expect(await linked.locator("b").count()).toBe(0);
    // How to fund the agent: the note always; the address and memo when the server gives them.
    await expect(page.locator("[data-funding]").isVisible()).resolves.toBe(true);
    await expect(page.locator("[data-funding]").textContent()).resolves.toContain("Deposits are made in USDC");
    const deposit = await depositAnswer;
    if (deposit.status() === 200) {
      const address = (await deposit.json()) as { vault_token_account: string; memo: string };
      await page.locator("[data-deposit-account]").getByText(address.vault_token_account, { exact: true }).waitFor();
      await page.locator("[data-deposit-memo]").getByText(address.memo, { exact: true }).waitFor();
    } else {
      await expect(page.locator("[data-deposit]").isVisible()).resolves.toBe(false);
    }

    const { data: status } = await t.client().GET("/v1/link/status", { params: { query: { device_code: device.deviceCode } } });
    expect(status).toMatchObject({ status: "approved", profile: { type: "agent", name } });
    const { data: profile } = await t.client(await pageToken(page)).GET("/v1/profile");
    expect(profile).toMatchObject({ type: "agent", name, description: "Buys inference" });
    await page.context().close();
  }, BROWSER_TEST_TIMEOUT_MS);

  test("a vendor gateway: a bad withdrawal address or price creates nothing; then 0.005 USDC is stored as 5000", async () => {
    const device = await initLink("vendor");
    const page = await openLinkPage(device.code);
    await signInByEmail(page, freshEmail());
    await shows(page, "[data-request-title]", "A vendor gateway asks to be linked");
    const token = await pageToken(page);
    const payoutWallet = await newWallet();

    await page.getByLabel("Vendor name").fill("Llama Works");
    await page.getByLabel("Service type").fill("inference-llm");
    await page.getByLabel("Price per request, in USDC").fill("0.005");
    const address = page.getByLabel(/Withdrawal address/);
    const create = page.getByRole("button", { name: "Create vendor profile" });
    const formError = page.locator('[data-step="vendor-profile"] [data-form-error]');

    // "0" and "O" are not base58; a valid-looking string of the wrong length decodes to 31 bytes.
    for (const bad of ["0OIl" + payoutWallet.address.slice(4), payoutWallet.address.slice(0, -3)]) {
      await address.fill(bad);
      await create.click();
      await formError.getByText("The withdrawal address must be a Solana address", { exact: false }).waitFor();
    }
    await address.fill(payoutWallet.address);
    await page.getByLabel("Price per request, in USDC").fill("0.0000001");
    await create.click();
    await formError.getByText("USDC has 6 decimals", { exact: false }).waitFor();
    // Past what the server accepts: its 400 message is what the page shows.
    await page.getByLabel("Price per request, in USDC").fill("10000000000000");
    await create.click();
    await formError.getByText("base_price_atomic", { exact: false }).waitFor();
    const none = await t.client(token).GET("/v1/profile");
    expect(none.response.status).toBe(404);

    await page.getByLabel("Price per request, in USDC").fill("0.005");
    await create.click();
    await page.getByRole("button", { name: "Approve" }).click();
    await page.locator("[data-linked-text]").getByText("Linked to Vendor Profile: Llama Works", { exact: true }).waitFor();
    await expect(page.locator("[data-funding]").isVisible()).resolves.toBe(false);

    const { data: profile } = await t.client(token).GET("/v1/profile");
    expect(profile).toMatchObject({
      type: "vendor",
      name: "Llama Works",
      service_type: "inference-llm",
      withdrawal_address: payoutWallet.address,
      base_price_atomic: "5000",
    });
    const { data: status } = await t.client().GET("/v1/link/status", { params: { query: { device_code: device.deviceCode } } });
    expect(status).toMatchObject({ status: "approved", profile: { type: "vendor", name: "Llama Works" } });
    await page.context().close();
  }, BROWSER_TEST_TIMEOUT_MS);

  test("a signed-in account with a vendor profile is told it cannot link an agent, and gets no Approve button", async () => {
    const vendor = await createUser(t, { profile: "vendor", name: "Shop Co" });
    const device = await initLink("agent");
    const page = await openLinkPage(device.code);
    // An existing session: the page uses it without asking to sign in again.
    await page.evaluate((session) => sessionStorage.setItem("machpay.session", JSON.stringify(session)), vendor.session);
    await page.reload();
    await page.locator("[data-link-message]").getByText("cannot link an agent", { exact: false }).waitFor();
    await shows(page, "[data-request-pubkey]", device.pubkey);
    await expect(page.locator('[data-step="signin"]').isVisible()).resolves.toBe(false);
    await expect(page.locator("[data-approve]").isVisible()).resolves.toBe(false);
    await expect(page.locator('[data-step="agent-profile"]').isVisible()).resolves.toBe(false);
    await page.context().close();
  }, BROWSER_TEST_TIMEOUT_MS);

  test("a stored session that no longer works leads back to the sign-in form", async () => {
    const device = await initLink("agent");
    const page = await openLinkPage(device.code);
    await page.evaluate(() => sessionStorage.setItem("machpay.session", JSON.stringify({ token: "not-a-jwt", user: { email: "x@example.test" } })));
    await page.reload();
    await page.locator("[data-link-message]").getByText("Your session has ended; sign in again.").waitFor();
    await expect(page.locator("[data-email-send]").isVisible()).resolves.toBe(true);
    await expect(page.evaluate(() => sessionStorage.getItem("machpay.session"))).resolves.toBeNull();
    await page.context().close();
  }, BROWSER_TEST_TIMEOUT_MS);

  test("an expired code shows that it expired, and no form or Approve button", async () => {
    const device = await initLink("agent");
    clock.advance(11 * 60 * 1000);
    const page = await openLinkPage(device.code);
    await signInByEmail(page, freshEmail());
    await page.locator("[data-link-message]").getByText("This code has expired.", { exact: false }).waitFor();
    await shows(page, "[data-request-pubkey]", device.pubkey);
    await expect(page.locator("[data-approve]").isVisible()).resolves.toBe(false);
    await expect(page.locator('[data-step="agent-profile"]').isVisible()).resolves.toBe(false);
    await page.context().close();
  }, BROWSER_TEST_TIMEOUT_MS);

  test("an unknown code says so", async () => {
    const page = await openLinkPage("BCDF-GHJK");
    await signInByEmail(page, freshEmail());
    await page.locator("[data-link-message]").getByText("No pairing request has this code.", { exact: false }).waitFor();
    await expect(page.locator("[data-approve]").isVisible()).resolves.toBe(false);
    await expect(page.locator('[data-step="request"]').isVisible()).resolves.toBe(false);
    await page.context().close();
  }, BROWSER_TEST_TIMEOUT_MS);
});
