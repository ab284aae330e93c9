import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createUser } from "../support/fixtures";
import { startTestApp, type TestApp } from "../support/app";
import { removeTempDirs, runCli, startCli, tempHome } from "./run";

// `machpay login --no-browser`: the test plays the browser. It opens the printed console page,
// then delivers a real access token to the CLI's callback as the page would.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
  removeTempDirs();
});

async function startLogin(home: string) {
  const cli = startCli(["login", "--no-browser"], { home, apiUrl: t.url });
  const [url, port] = await cli.waitFor(/http\S+\/console\/auth\/cli\?port=(\d+)/);
  return { cli, url, port: port!, callback: (query: string) => fetch(`http://localhost:${port}/callback?${query}`) };
}

describe("machpay login", () => {
  test("prints the console page, takes the token at /callback, checks it, and keeps it in config.json (0600)", async () => {
    const home = tempHome();
    const user = await createUser(t, { email: `login-${Date.now()}@example.test` });
    const { cli, url, port, callback } = await startLogin(home);
    expect(url).toBe(`${t.url}/console/auth/cli?port=${port}`);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`http://localhost:${port}/callback`);

    // A stray request without a token does not end the login.
    expect((await callback("")).status).toBe(400);
    const answer = await callback(`token=${encodeURIComponent(user.token)}`);
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain("Login successful");

    const result = await cli.done;
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Logged in as ${user.email}\n`);
    const path = join(home, "config.json");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({
      api_url: t.url,
      auth: { access_token: user.token, user_id: user.id.toString(), email: user.email },
    });

    // The saved api_url is used when neither --api-url nor MACHPAY_API_URL is given.
    const init = await runCli(["agent", "init"], { home });
    expect(init.code).toBe(0);
    expect(init.stdout).toContain("Not linked");
  }, 30_000);

  test("keeps other settings in config.json", async () => {
    const home = tempHome();
    writeFileSync(join(home, "config.json"), JSON.stringify({ network: "devnet" }), { mode: 0o644 });
    const user = await createUser(t);
    const { cli, callback } = await startLogin(home);
    await callback(`token=${encodeURIComponent(user.token)}`);
    expect((await cli.done).code).toBe(0);
    const path = join(home, "config.json");
    expect(JSON.parse(readFileSync(path, "utf8"))).toMatchObject({ network: "devnet", auth: { access_token: user.token } });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  }, 30_000);

  test("?error=denied: exit non-zero with `auth error: denied`, nothing saved", async () => {
    const home = tempHome();
    const { cli, callback } = await startLogin(home);
    const answer = await callback("error=denied");
    expect(answer.status).toBe(400);
    expect(await answer.text()).toContain("Login failed");
    const result = await cli.done;
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("error: auth error: denied\n");
    expect(await Bun.file(join(home, "config.json")).exists()).toBe(false);
  }, 30_000);

  test("a token the API does not accept is refused, nothing saved", async () => {
    const home = tempHome();
    const user = await createUser(t);
    const [header, payload] = user.token.split(".");
    const forged = `${header}.${payload}.${"A".repeat(86)}`;
    const { cli, callback } = await startLogin(home);
    await callback(`token=${encodeURIComponent(forged)}`);
    const result = await cli.done;
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`auth error: the API at ${t.url} does not accept the token the browser sent`);
    expect(await Bun.file(join(home, "config.json")).exists()).toBe(false);
  }, 30_000);

  test("something that is not a JWT is refused", async () => {
    const home = tempHome();
    const { cli, callback } = await startLogin(home);
    await callback("token=hello");
    const result = await cli.done;
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("error: auth error: the browser sent something that is not an access token (JWT)\n");
  }, 30_000);
});
