import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startTestApp, type TestApp } from "../support/app";
import { createUser } from "../support/fixtures";
import { createKey, expectBalanced, fund, insertService } from "../support/ledger";

// `npm pack` of packages/sdk makes a tarball an npm user installs and uses from Node.js: packed
// here, installed into a scratch project (npm, from the local tarball; openapi-fetch from npm's
// cache or the registry), type-checked as a consumer would, and run with node against the real app.

const SDK_DIR = resolve(import.meta.dir, "../../packages/sdk");
const TSC = resolve(import.meta.dir, "../../node_modules/typescript/bin/tsc");

let t: TestApp;
let scratch: string;
beforeAll(async () => {
  t = await startTestApp();
  scratch = mkdtempSync(join(tmpdir(), "machpay-sdk-pack-"));
});
afterAll(async () => {
  await t.close();
  rmSync(scratch, { recursive: true, force: true });
});

// Asynchronous: the app answers from this process, so a blocking spawn would deadlock the consumer.
async function run(cmd: string[], cwd: string, env: Record<string, string> = {}) {
  const p = Bun.spawn(cmd, { cwd, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  const [code, stdout, stderr] = await Promise.all([p.exited, new Response(p.stdout).text(), new Response(p.stderr).text()]);
  const out = { code, stdout, stderr };
  if (out.code !== 0) throw new Error(`${cmd.join(" ")} exited ${out.code}\n${out.stdout}\n${out.stderr}`);
  return out;
}

const CONSUMER = `import { atomicToUsdc, createMachPay, MachPayError, paginate, unwrap, usdcToAtomicString } from "@machpay/sdk";

const mp = createMachPay({ baseUrl: process.env.API_URL!, apiKey: process.env.MACHPAY_API_KEY });
const service = process.env.SERVICE_ID!;
const paid = await unwrap(mp.api.POST("/v1/agent/pay", { body: { to: service, amount_atomic: usdcToAtomicString("0.25") } }));
const again = await unwrap(mp.api.POST("/v1/agent/pay", { body: { to: service, amount_atomic: "250000" }, headers: { "Idempotency-Key": "pack-1" } }));
const retried = await unwrap(mp.api.POST("/v1/agent/pay", { body: { to: service, amount_atomic: "250000" }, headers: { "Idempotency-Key": "pack-1" } }));
let code = "";
try {
  await unwrap(mp.api.POST("/v1/agent/pay", { body: { to: service, amount_atomic: usdcToAtomicString("5") } }));
} catch (err) {
  if (err instanceof MachPayError) code = \`\${err.status} \${err.code} \${err.requestId?.slice(0, 4)}\`;
}
const ids: string[] = [];
for await (const tx of paginate((cursor) => mp.api.GET("/v1/agent/transactions", { params: { query: { limit: 1, ...(cursor ? { cursor } : {}) } } }))) ids.push(tx.id);
console.log(JSON.stringify({
  first: paid.transaction.status,
  retry_same: again.transaction.id === retried.transaction.id,
  left: atomicToUsdc(retried.balance.available_atomic),
  refused: code,
  listed: ids.length,
}));
`;

test("npm pack makes a tarball that installs into a fresh project and works from Node.js, types included", async () => {
  const packed = await run(["npm", "pack", "--pack-destination", scratch, "--json"], SDK_DIR);
  const [{ filename, files }] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
  const shipped = files.map((f) => f.path);
  expect(shipped).toContain("dist/index.js");
  expect(shipped).toContain("dist/index.d.ts");
  expect(shipped).toContain("README.md");
  expect(shipped.filter((p) => p.startsWith("src/"))).toEqual([]);

  const project = join(scratch, "consumer");
  await run(["mkdir", "-p", project], scratch);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  await run(["npm", "install", "--prefer-offline", "--no-audit", "--no-fund", join(scratch, filename)], project);
  expect(readdirSync(join(project, "node_modules/@machpay/sdk/dist"))).toContain("index.js");

  // A TypeScript consumer under Node's own module resolution: the declarations must type its calls.
  writeFileSync(join(project, "pay.mts"), CONSUMER);
  writeFileSync(
    join(project, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { target: "ES2022", module: "nodenext", moduleResolution: "nodenext", strict: true, lib: ["ES2022", "DOM"], types: [], outDir: "out" }, files: ["pay.mts", "env.d.ts"] }),
  );
  writeFileSync(join(project, "env.d.ts"), "declare const process: { env: Record<string, string | undefined> };\n");
  await run(["bun", TSC, "-p", "tsconfig.json"], project);

  const agent = await createUser(t, { profile: "agent" });
  const vendor = await createUser(t, { profile: "vendor" });
  const service = await insertService(t, vendor.id, `packed-${vendor.id}`);
  await fund(t, agent.id, 1_000_000n);
  const apiKey = await createKey(t, agent.token, "agent");
  const result = await run(["node", join(project, "out/pay.mjs")], project, { API_URL: t.url, MACHPAY_API_KEY: apiKey, SERVICE_ID: service });
  expect(JSON.parse(result.stdout)).toEqual({ first: "confirmed", retry_same: true, left: "0.5", refused: "402 insufficient_funds req_", listed: 2 });
  await expectBalanced(t);

  // The package README's example, as written, with the server's URL in place of localhost:8081.
  const readme = await Bun.file(join(SDK_DIR, "README.md")).text();
  const example = /^```js example\n([\s\S]*?)^```$/m.exec(readme)?.[1];
  if (!example) throw new Error("packages/sdk/README.md has no ```js example block");
  writeFileSync(join(project, "example.mjs"), example.replace("http://localhost:8081", t.url));
  const vendorKey = vendor.token;
  const listed = await fetch(`${t.url}/v1/vendor/endpoints`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${vendorKey}` },
    body: JSON.stringify({ id: `readme-weather-${vendor.id}`, name: "Weather forecast", description: "Hourly weather forecast for any city", gateway_url: "https://gw.example.test", price_atomic: "10000", service_type: "weather" }),
  });
  expect(listed.status).toBe(201);
  const ran = await run(["node", "example.mjs"], project, { MACHPAY_API_KEY: apiKey });
  expect(ran.stdout).toMatch(/^paid readme-weather-\d+: tx_\w+; 0\.49 USDC left\n/);
  expect(ran.stdout.split("\n").filter((line) => / confirmed 0\.\d+$/.test(line))).toHaveLength(3);
  await expectBalanced(t);
}, 120_000);
