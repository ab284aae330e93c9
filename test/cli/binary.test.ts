import { afterAll, beforeAll, expect, test } from "bun:test";
import { join, resolve } from "node:path";
import { startTestApp, type TestApp } from "../support/app";
import { CLI_MAIN, removeTempDirs, runCli, tempHome } from "./run";

// `bun build --compile src/cli/main.ts` gives one self-contained `machpay` executable.

let t: TestApp;
let binary: string;
beforeAll(async () => {
  t = await startTestApp();
  binary = join(tempHome(), "machpay");
  const build = Bun.spawn([process.execPath, "build", "--compile", CLI_MAIN, "--outfile", binary], {
    cwd: resolve(import.meta.dir, "../.."),
    stdout: "pipe",
    stderr: "pipe",
  });
  if ((await build.exited) !== 0) throw new Error(`bun build --compile failed: ${await new Response(build.stderr).text()}`);
}, 120_000);
afterAll(async () => {
  await t.close();
  removeTempDirs();
});

test("the compiled machpay prints its help and creates an agent key", async () => {
  const help = await runCli(["--help"], { home: tempHome() }, [binary]);
  expect(help.code).toBe(0);
  expect(help.stdout).toContain("machpay agent link".replace("machpay ", "") );

  const home = tempHome();
  const init = await runCli(["agent", "init"], { home, apiUrl: t.url }, [binary]);
  expect(init.code).toBe(0);
  expect(init.stdout).toMatch(/Public key: [1-9A-HJ-NP-Za-km-z]{32,44}\n/);
  expect(init.stdout).toContain("Not linked");
  expect(JSON.parse(await Bun.file(join(home, "agent", "secret_key.json")).text())).toHaveLength(64);
}, 60_000);

test("the compiled machpay serves MCP on stdio (`machpay mcp`): the SDK is in the binary", async () => {
  const { Client } = await import("@modelcontextprotocol/sdk/client/index.js");
  const { StdioClientTransport } = await import("@modelcontextprotocol/sdk/client/stdio.js");
  const home = tempHome();
  const client = new Client({ name: "binary-test", version: "1.0.0" });
  await client.connect(new StdioClientTransport({ command: binary, args: ["mcp"], env: { HOME: home, MACHPAY_HOME: home, MACHPAY_API_URL: t.url }, stderr: "ignore" }));
  try {
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain("search_services");
  } finally {
    await client.close();
  }
}, 60_000);
