import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { manualClock } from "@/core/clock";
import { createUser } from "../support/fixtures";
import { startTestApp, type TestApp } from "../support/app";
import { removeTempDirs, runCli, startCli, tempHome } from "./run";

// Time on the server's side is a manual clock: the code expires by moving it, never by waiting.

const clock = manualClock();
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ LINK_POLL_INTERVAL_SECONDS: "1", RATE_LIMIT_LINK_PER_MINUTE: "1000" }, { clock });
});
afterAll(async () => {
  await t.close();
  removeTempDirs();
});

describe("machpay agent link, against time", () => {
  test("a code nobody approves within 10 minutes: non-zero exit saying it expired, and it cannot be approved", async () => {
    clock.set(new Date());
    const home = tempHome();
    const owner = await createUser(t, { profile: "agent", name: "Late" });
    const cli = startCli(["agent", "link"], { home, apiUrl: t.url });
    const [, code] = await cli.waitFor(/Your code: ([A-Z]{4}-[A-Z]{4})/);
    clock.advance(10 * 60_000);
    const result = await cli.done;
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain("Linked to");
    expect(result.stderr).toBe(`error: the code ${code} expired before it was approved: run \`machpay agent link\` for a new one\n`);

    const late = await owner.client.POST("/v1/link/approve", { body: { code: code! } });
    expect(late.response.status).toBe(410);
    clock.set(new Date());
    const init = await runCli(["agent", "init"], { home, apiUrl: t.url });
    expect(init.stdout).toContain("Not linked");
  }, 30_000);

  test("--json: the expiry is one JSON error object on stdout", async () => {
    clock.set(new Date());
    const home = tempHome();
    const cli = startCli(["agent", "link", "--json"], { home, apiUrl: t.url });
    await cli.waitFor(/Your code: /, "stderr");
    clock.advance(11 * 60_000);
    const result = await cli.done;
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({ error: { code: "link_code_expired", message: expect.stringContaining("expired") } });
  }, 30_000);

  test("a computer clock an hour behind the server's: the CLI says so instead of a bare signature error", async () => {
    clock.set(new Date(Date.now() + 3_600_000));
    const home = tempHome();
    const result = await runCli(["agent", "link"], { home, apiUrl: t.url });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: the API refused the signed request because this computer's clock is 3[56]\d\d s behind the server's/);
    expect(result.stdout).not.toContain("Your code");
  });
});
