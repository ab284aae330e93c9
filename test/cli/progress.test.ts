import { afterAll, beforeAll, expect, test } from "bun:test";
import { run, type Environment } from "../../src/cli/main";
import { startTestApp, type TestApp } from "../support/app";
import { createUser } from "../support/fixtures";
import { removeTempDirs, tempHome } from "./run";

// Long waits show progress on a terminal: `agent link` counts down to the code's expiry on stderr
// (a TTY), and keeps stdout to the code and the result. Run in-process with a stderr that says it
// is a TTY, as a terminal would.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
  removeTempDirs();
});

test("agent link counts down to the code's expiry while it waits for approval", async () => {
  const owner = await createUser(t, { profile: "agent" });
  const home = tempHome();
  let stdout = "";
  let stderr = "";
  const env: Environment = { MACHPAY_HOME: home, MACHPAY_API_URL: t.url, home, platform: "linux" };
  const finished = run(["agent", "link"], env, { write: (s: string) => (stdout += s) }, { write: (s: string) => (stderr += s), isTTY: true });
  for (let i = 0; i < 100 && !/Your code: [A-Z]{4}-[A-Z]{4}/.test(stdout); i++) await Bun.sleep(50);
  const code = /Your code: ([A-Z]{4}-[A-Z]{4})/.exec(stdout)?.[1];
  expect(code).toBeDefined();
  for (let i = 0; i < 40 && !/left/.test(stderr); i++) await Bun.sleep(50);
  const approved = await owner.client.POST("/v1/link/approve", { body: { code: code! } });
  expect(approved.response.status).toBe(200);
  expect(await finished).toBe(0);
  const shown = [...stderr.matchAll(/Waiting for approval of ([A-Z-]+): (\d+):(\d\d) left/g)].map((m) => Number(m[2]) * 60 + Number(m[3]));
  expect(shown.length).toBeGreaterThan(0);
  expect(shown[0]).toBeLessThanOrEqual(600);
  expect(shown[0]).toBeGreaterThan(500);
  expect(shown.at(-1)!).toBeLessThanOrEqual(shown[0]!); // it never counts up
  expect(stdout).toContain("Linked to Agent:");
}, 30_000);
