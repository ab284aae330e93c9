import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createUser } from "../support/fixtures";
import { startTestApp, type TestApp } from "../support/app";
import { removeTempDirs, runCli, startCli, tempHome } from "./run";

// `machpay gateway init | link`: the vendor gateway identity, same flow as the agent's with kind
// "vendor", its own key file, and the Vendor Profile line.

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ LINK_POLL_INTERVAL_SECONDS: "1", RATE_LIMIT_LINK_PER_MINUTE: "1000" });
});
afterAll(async () => {
  await t.close();
  removeTempDirs();
});

describe("machpay gateway", () => {
  test("init creates the gateway key (not the agent's) and says it is not linked", async () => {
    const home = tempHome();
    const run = await runCli(["gateway", "init", "--json"], { home, apiUrl: t.url });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ keypair_path: join(home, "gateway", "secret_key.json"), created: true, linked: false });
    expect(await Bun.file(join(home, "agent", "secret_key.json")).exists()).toBe(false);
  });

  test('link prints `Linked to Vendor Profile: "<name>"` once a vendor approves; an agent cannot approve it', async () => {
    const home = tempHome();
    const vendor = await createUser(t, { profile: "vendor", name: "Acme Inference" });
    const agent = await createUser(t, { profile: "agent" });
    const cli = startCli(["gateway", "link"], { home, apiUrl: t.url });
    const [, code] = await cli.waitFor(/Your code: ([A-Z]{4}-[A-Z]{4})/);
    const [, pubkey] = await cli.waitFor(/Public key: (\S+)/);

    const wrongKind = await agent.client.POST("/v1/link/approve", { body: { code: code! } });
    expect(wrongKind.response.status).toBe(409);
    expect(wrongKind.error?.error.code).toBe("profile_required");

    const request = await vendor.client.GET("/v1/link/requests/{code}", { params: { path: { code: code! } } });
    expect(request.data).toMatchObject({ pubkey, kind: "vendor" });
    expect((await vendor.client.POST("/v1/link/approve", { body: { code: code! } })).response.status).toBe(200);
    const result = await cli.done;
    expect(result.code).toBe(0);
    expect(result.stdout.trimEnd().split("\n").at(-1)).toBe('Linked to Vendor Profile: "Acme Inference"');

    const init = await runCli(["gateway", "init"], { home, apiUrl: t.url });
    expect(init.stdout).toContain('Linked to Vendor Profile: "Acme Inference"');

    // The same key file used as an agent key: reported as a gateway's, and `agent link` refuses.
    const keypair = join(home, "gateway", "secret_key.json");
    const asAgent = await runCli(["agent", "init", "--keypair", keypair], { home, apiUrl: t.url });
    expect(asAgent.code).toBe(0);
    expect(asAgent.stdout).toContain("linked as a vendor gateway, not as an agent");
    const linkAsAgent = await runCli(["agent", "link", "--keypair", keypair], { home, apiUrl: t.url });
    expect(linkAsAgent.code).toBe(1);
    expect(linkAsAgent.stderr).toContain("linked as a vendor gateway, not as an agent");
    expect(linkAsAgent.stdout).not.toContain("Your code");
  }, 30_000);
});
