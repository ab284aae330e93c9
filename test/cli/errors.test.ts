import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startTestApp, type TestApp } from "../support/app";
import { newWallet } from "../support/solana-keys";
import { removeTempDirs, runCli, tempHome } from "./run";

// What a person sees when something is wrong: one clear line on stderr and a non-zero exit.

let t: TestApp;
let closedUrl: string;
beforeAll(async () => {
  t = await startTestApp();
  // A port nothing listens on: bind one, then let it go.
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  closedUrl = `http://127.0.0.1:${probe.port}`;
  await probe.stop(true);
});
afterAll(async () => {
  await t.close();
  removeTempDirs();
});

const keyPath = (home: string) => join(home, "agent", "secret_key.json");

function writeKey(home: string, content: string) {
  mkdirSync(join(home, "agent"), { recursive: true });
  writeFileSync(keyPath(home), content, { mode: 0o600 });
}

describe("server unreachable", () => {
  for (const args of [["agent", "link"], ["agent", "init"], ["agent", "balance"], ["gateway", "link"]]) {
    test(`machpay ${args.join(" ")}: one line, exit 1`, async () => {
      const home = tempHome();
      if (args[1] === "balance") writeKey(home, JSON.stringify(Array.from((await newWallet()).secretKey64)));
      const run = await runCli(args, { home, apiUrl: closedUrl });
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(`error: cannot reach the MachPay API at ${closedUrl}: connection refused\n`);
    });
  }

  test("--json: the same failure as one JSON object on stdout", async () => {
    const run = await runCli(["agent", "init", "--json"], { home: tempHome(), apiUrl: closedUrl });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({ error: { code: "api_unreachable", message: `cannot reach the MachPay API at ${closedUrl}: connection refused` } });
  });

  test("a server that is not the MachPay API is named as such", async () => {
    const other = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("<h1>Not Found</h1>", { status: 404, headers: { "Content-Type": "text/html" } }) });
    try {
      const run = await runCli(["agent", "init"], { home: tempHome(), apiUrl: `http://127.0.0.1:${other.port}` });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain("HTTP 404 without a MachPay error body: is it the MachPay API?");
    } finally {
      await other.stop(true);
    }
  });
});

describe("key file unreadable or malformed", () => {
  const valid = async () => Array.from((await newWallet()).secretKey64);
  const cases: [string, () => Promise<string>, string][] = [
    ["not JSON", async () => "not json", "not JSON"],
    ["63 numbers", async () => JSON.stringify((await valid()).slice(0, 63)), "63 numbers"],
    ["an object", async () => JSON.stringify({ secret: await valid() }), "not an array"],
    ["a value above 255", async () => JSON.stringify((await valid()).map((n, i) => (i === 5 ? 256 : n))), "not a number from 0 to 255"],
    ["a fraction", async () => JSON.stringify((await valid()).map((n, i) => (i === 5 ? 1.5 : n))), "not a number from 0 to 255"],
    [
      "a public half from another key",
      async () => {
        const [a, b] = [await valid(), await valid()];
        return JSON.stringify([...a.slice(0, 32), ...b.slice(32)]);
      },
      "does not match its secret seed",
    ],
  ];

  test.each(cases)("%s: every command refuses it, exit 1, and the file is left as it was", async (_name, make, why) => {
    const home = tempHome();
    const content = await make();
    writeKey(home, content);
    for (const args of [["agent", "init"], ["agent", "link"], ["agent", "balance"]]) {
      const run = await runCli(args, { home, apiUrl: t.url });
      expect(run.code).toBe(1);
      expect(run.stderr).toStartWith(`error: key file ${keyPath(home)} is malformed: `);
      expect(run.stderr).toContain(why);
      expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(run.stdout).not.toContain("Public key");
    }
    expect(readFileSync(keyPath(home), "utf8")).toBe(content);
  });

  test("a directory where the key file should be: cannot read it", async () => {
    const home = tempHome();
    mkdirSync(keyPath(home), { recursive: true });
    const run = await runCli(["agent", "init"], { home, apiUrl: t.url });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`error: cannot read key file ${keyPath(home)}: it is a directory\n`);
  });

  test("a key readable by others still works, with a warning to chmod it", async () => {
    const home = tempHome();
    const wallet = await newWallet();
    writeKey(home, JSON.stringify(Array.from(wallet.secretKey64)));
    chmodSync(keyPath(home), 0o644);
    const run = await runCli(["agent", "init"], { home, apiUrl: t.url });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Public key: ${wallet.address}`);
    expect(run.stderr).toBe(`warning: ${keyPath(home)} can be read by other users; run: chmod 600 ${keyPath(home)}\n`);
  });
});

describe("command line", () => {
  test("--help lists every command; per-command help shows its options", async () => {
    const home = tempHome();
    const main = await runCli(["--help"], { home });
    expect(main.code).toBe(0);
    for (const c of ["agent init", "agent link", "agent balance", "gateway init", "gateway link", "login", "--api-url", "--json"]) expect(main.stdout).toContain(c);
    const link = await runCli(["agent", "link", "--help"], { home });
    expect(link.code).toBe(0);
    expect(link.stdout).toContain("Usage: machpay agent link [--keypair PATH] [--open] [--json]");
    const login = await runCli(["help", "login"], { home });
    expect(login.stdout).toContain("--no-browser");
  });

  test("--version", async () => {
    const run = await runCli(["--version"], { home: tempHome() });
    expect(run.stdout).toMatch(/^machpay \d+\.\d+\.\d+\n$/);
  });

  test.each([
    [["agent", "frobnicate"], "unknown command 'agent frobnicate'"],
    [["deploy"], "unknown command 'deploy'"],
    [["agent", "balance", "--open"], "'machpay agent balance' has no option --open"],
    [["agent", "init", "--bogus"], "Unknown option '--bogus'"],
    [["agent", "init", "extra"], "unexpected argument 'extra'"],
    [["agent", "init", "--api-url", "ftp://example.test"], "--api-url must be an http(s) URL"],
    [["agent", "init", "--api-url", "not a url"], "--api-url is not a URL"],
  ])("%p: exit 2 with %p, and nothing created", async (args, message) => {
    const home = tempHome();
    const run = await runCli(args, { home, apiUrl: t.url });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(await Bun.file(keyPath(home)).exists()).toBe(false);
  });

  test("a bare group prints its usage and exits 2", async () => {
    const run = await runCli(["gateway"], { home: tempHome() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Usage: machpay gateway <init|link>");
  });

  test("--api-url wins over MACHPAY_API_URL", async () => {
    const run = await runCli(["agent", "init", "--api-url", t.url + "/"], { home: tempHome(), apiUrl: closedUrl });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Not linked");
  });
});
