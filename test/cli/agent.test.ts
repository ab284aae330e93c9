import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import * as ed from "@noble/ed25519";
import { getBase58Decoder } from "@solana/kit";
import { createUser, type TestUser } from "../support/fixtures";
import { startTestApp, type TestApp } from "../support/app";
import { json } from "../support/http";
import { removeTempDirs, runCli, startCli, tempHome } from "./run";

// `machpay agent init | link | balance` end to end: the real CLI as a subprocess against the real
// app, approval through the API as the signed-in owner of an agent profile.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ LINK_POLL_INTERVAL_SECONDS: "1", RATE_LIMIT_LINK_PER_MINUTE: "1000" });
});
afterAll(async () => {
  await t.close();
  removeTempDirs();
});

const keyFile = (home: string) => join(home, "agent", "secret_key.json");
const pubkeyIn = (stdout: string) => /Public key: (\S+)/.exec(stdout)?.[1];

async function gatewayKey(): Promise<string> {
  const vendor = await createUser(t, { profile: "vendor" });
  const { data } = await vendor.client.POST("/v1/vendor/keys", { body: { name: "test gateway" } });
  return data!.key;
}

async function gatewayLookup(gk: string, pubkey: string) {
  const res = await fetch(`${t.url}/v1/gateway/agents/${pubkey}`, { headers: { Authorization: `Bearer ${gk}` } });
  expect(res.status).toBe(200);
  return json(res);
}

/** Runs `agent link` until the code shows, approves it as `owner`, and returns the finished run. */
async function linkAs(owner: TestUser, home: string, args: string[] = []) {
  const cli = startCli(["agent", "link", ...args], { home, apiUrl: t.url });
  const [, code] = await cli.waitFor(/Your code: ([A-Z]{4}-[A-Z]{4})/);
  const approved = await owner.client.POST("/v1/link/approve", { body: { code: code! } });
  expect(approved.response.status).toBe(200);
  return { code: code!, result: await cli.done };
}

describe("machpay agent init", () => {
  test("creates a 64-byte Solana CLI key file, 0600 in a 0700 directory, and says it is not linked", async () => {
    const home = tempHome();
    const run = await runCli(["agent", "init"], { home, apiUrl: t.url });
    expect(run.code).toBe(0);
    const bytes: number[] = JSON.parse(readFileSync(keyFile(home), "utf8"));
    expect(bytes).toHaveLength(64);
    expect(statSync(keyFile(home)).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, "agent")).mode & 0o777).toBe(0o700);
    // The public half belongs to the seed, and the printed key is its base58 (checked with noble,
    // independently of the CLI's WebCrypto signing).
    const seed = Uint8Array.from(bytes.slice(0, 32));
    const publicKey = await ed.getPublicKeyAsync(seed);
    expect(Array.from(publicKey)).toEqual(bytes.slice(32));
    expect(pubkeyIn(run.stdout)).toBe(getBase58Decoder().decode(publicKey));
    expect(run.stdout).toContain("Not linked");
    expect(run.stdout).toContain("machpay agent link");
  });

  test("a second init keeps the same key", async () => {
    const home = tempHome();
    const first = await runCli(["agent", "init"], { home, apiUrl: t.url });
    const before = readFileSync(keyFile(home), "utf8");
    const second = await runCli(["agent", "init"], { home, apiUrl: t.url });
    expect(second.code).toBe(0);
    expect(readFileSync(keyFile(home), "utf8")).toBe(before);
    expect(pubkeyIn(second.stdout)).toBe(pubkeyIn(first.stdout)!);
    expect(second.stdout).toContain("Using the existing agent key");
  });

  test("--json prints one object with the key, its path and its link", async () => {
    const home = tempHome();
    const run = await runCli(["agent", "init", "--json"], { home, apiUrl: t.url });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      pubkey: expect.any(String),
      keypair_path: keyFile(home),
      created: true,
      linked: false,
      kind: null,
      profile: null,
    });
  });

  test("--keypair puts the key where it is told", async () => {
    const home = tempHome();
    const path = join(home, "elsewhere", "bot.json");
    const run = await runCli(["agent", "init", "--keypair", path, "--json"], { home, apiUrl: t.url });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).keypair_path).toBe(path);
    expect(JSON.parse(readFileSync(path, "utf8"))).toHaveLength(64);
  });
});

describe("machpay agent link", () => {
  test("prints a code, waits for approval, prints `Linked to Agent: <name>`; gateways then see the key as linked", async () => {
    const home = tempHome();
    const owner = await createUser(t, { profile: "agent", name: "Scout" });
    const gk = await gatewayKey();

    const cli = startCli(["agent", "link"], { home, apiUrl: t.url });
    const [, code] = await cli.waitFor(/Your code: ([A-Z]{4}-[A-Z]{4})/);
    const [, url] = await cli.waitFor(/(http\S+\/console\/link\?code=\S+)/);
    expect(url).toEndWith(`/console/link?code=${code}`);
    const pubkey = (await cli.waitFor(/Public key: (\S+)/))[1]!;

    // The console shows this CLI's key as the one asking, and the gateway does not know it yet.
    const request = await owner.client.GET("/v1/link/requests/{code}", { params: { path: { code: code! } } });
    expect(request.data).toMatchObject({ pubkey, kind: "agent", status: "pending" });
    expect((await gatewayLookup(gk, pubkey)).linked).toBe(false);

    const approved = await owner.client.POST("/v1/link/approve", { body: { code: code! } });
    expect(approved.response.status).toBe(200);
    const result = await cli.done;
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split("\n").at(-1)).toBe("Linked to Agent: Scout");

    expect(await gatewayLookup(gk, pubkey)).toEqual({ linked: true, agent_id: owner.id.toString(), status: "ACTIVE", available_atomic: "0" });
  }, 30_000);

  test("after linking: init says linked to the profile, link says already linked, balance shows the three amounts", async () => {
    const home = tempHome();
    const owner = await createUser(t, { profile: "agent", name: "Balance Bot" });
    const { result } = await linkAs(owner, home);
    expect(result.code).toBe(0);

    const init = await runCli(["agent", "init"], { home, apiUrl: t.url });
    expect(init.code).toBe(0);
    expect(init.stdout).toContain("Linked to Agent: Balance Bot");
    expect(init.stdout).not.toContain("Not linked");
    const initJson = JSON.parse((await runCli(["agent", "init", "--json"], { home, apiUrl: t.url })).stdout);
    expect(initJson).toMatchObject({ created: false, linked: true, kind: "agent", profile: { type: "agent", name: "Balance Bot" } });

    const again = await runCli(["agent", "link"], { home, apiUrl: t.url });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("already linked");
    expect(again.stdout).toContain("Linked to Agent: Balance Bot");
    expect(again.stdout).not.toContain("Your code");

    // Test fixture: credit the agent directly (deposits are another module's business).
    await t.sql`UPDATE agent_accounts SET balance_atomic = 25000000, bonded_atomic = 1234567 WHERE user_id = ${owner.id}`;
    const balance = await runCli(["agent", "balance"], { home, apiUrl: t.url });
    expect(balance.code).toBe(0);
    expect(balance.stdout).toBe("Available: 25.000000 USDC\nBonded: 1.234567 USDC\nPending: 0.000000 USDC\n");

    const balanceJson = await runCli(["agent", "balance", "--json"], { home, apiUrl: t.url });
    expect(balanceJson.code).toBe(0);
    expect(JSON.parse(balanceJson.stdout)).toEqual({
      pubkey: pubkeyIn(init.stdout),
      available_atomic: "25000000",
      bonded_atomic: "1234567",
      pending_atomic: "0",
      token_mint: t.config.USDC_MINT,
    });
  }, 30_000);

  test("--json: the code goes to stderr for the person, stdout carries one object", async () => {
    const home = tempHome();
    const owner = await createUser(t, { profile: "agent", name: "Json Bot" });
    const cli = startCli(["agent", "link", "--json"], { home, apiUrl: t.url });
    const [, code] = await cli.waitFor(/Your code: ([A-Z]{4}-[A-Z]{4})/, "stderr");
    const [, pubkey] = await cli.waitFor(/Public key: (\S+)/, "stderr");
    expect((await owner.client.POST("/v1/link/approve", { body: { code: code! } })).response.status).toBe(200);
    const result = await cli.done;
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split("\n")).toHaveLength(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ pubkey, code, linked: true, already_linked: false, kind: "agent", profile: { type: "agent", name: "Json Bot" } });
  }, 30_000);

  test("--open hands the page to the system's opener", async () => {
    const home = tempHome();
    const owner = await createUser(t, { profile: "agent", name: "Opener" });
    // A stand-in xdg-open that records the URL it is asked to open.
    const binDir = join(home, "bin");
    const opened = join(home, "opened.txt");
    await Bun.write(join(binDir, "xdg-open"), `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`);
    await Bun.$`chmod 755 ${join(binDir, "xdg-open")}`.quiet();
    const cli = startCli(["agent", "link", "--open"], { home, apiUrl: t.url, binDir });
    const [, code] = await cli.waitFor(/Your code: ([A-Z]{4}-[A-Z]{4})/);
    expect((await owner.client.POST("/v1/link/approve", { body: { code: code! } })).response.status).toBe(200);
    const result = await cli.done;
    expect(result.code).toBe(0);
    expect(readFileSync(opened, "utf8")).toEndWith(`/console/link?code=${code}`);
  }, 30_000);

  test("approval by a user without an agent profile does not link: the CLI keeps waiting", async () => {
    const home = tempHome();
    const stranger = await createUser(t, { profile: "vendor" });
    const owner = await createUser(t, { profile: "agent", name: "Rightful" });
    const cli = startCli(["agent", "link"], { home, apiUrl: t.url });
    const [, code] = await cli.waitFor(/Your code: ([A-Z]{4}-[A-Z]{4})/);
    const refused = await stranger.client.POST("/v1/link/approve", { body: { code: code! } });
    expect(refused.response.status).toBe(409);
    expect((await owner.client.POST("/v1/link/approve", { body: { code: code! } })).response.status).toBe(200);
    const result = await cli.done;
    expect(result.stdout).toContain("Linked to Agent: Rightful");
  }, 30_000);
});

describe("machpay agent balance", () => {
  test("with an unlinked key: non-zero exit and how to link", async () => {
    const home = tempHome();
    expect((await runCli(["agent", "init"], { home, apiUrl: t.url })).code).toBe(0);
    const run = await runCli(["agent", "balance"], { home, apiUrl: t.url });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain("not linked");
    expect(run.stderr).toContain("machpay agent link");
    expect(run.stderr).toContain("(device_not_linked)");
  });

  test("without a key file: non-zero exit, and it does not create one", async () => {
    const home = tempHome();
    const run = await runCli(["agent", "balance"], { home, apiUrl: t.url });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`no agent key at ${keyFile(home)}`);
    expect(() => statSync(keyFile(home))).toThrow();
  });
});
