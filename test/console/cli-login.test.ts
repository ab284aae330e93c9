import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/app";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe("CLI login handoff page", () => {
  test("serves a sign-in page that hands the token only to http://localhost:<port>/callback", async () => {
    const res = await fetch(t.url + "/console/auth/cli?port=49152");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    const page = await res.text();
    expect(page).toContain('var callback = "http://localhost:49152/callback";');
    expect(page).toContain("data-email-send");
    expect(page).toContain("data-wallet-challenge");
    // The only absolute URL the page can send the browser to is the CLI's.
    const urls = page.match(/https?:\/\/[^\s"'<]+/g) ?? [];
    expect(new Set(urls)).toEqual(new Set(["http://localhost:49152/callback"]));
  });

  test.each(["80", "1023", "65536", "70000", "abc", "8080;alert(1)", "8080&host=evil.test", "", "08080x"])(
    "refuses port %p",
    async (port) => {
      const res = await fetch(t.url + "/console/auth/cli?port=" + encodeURIComponent(port));
      expect(res.status).toBe(400);
      expect(await res.text()).not.toContain("/callback");
    },
  );

  test("refuses a missing port", async () => {
    expect((await fetch(t.url + "/console/auth/cli")).status).toBe(400);
  });

  test("serves the sign-in script it uses", async () => {
    const res = await fetch(t.url + "/console/assets/signin.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("javascript");
    expect(await res.text()).toContain("MachPaySignIn");
  });
});
