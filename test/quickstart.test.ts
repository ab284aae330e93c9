import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createTestDatabase, type TestDatabase } from "./support/db";

// The README's Quickstart, run verbatim: its ```sh quickstart block goes to bash as written,
// against the stack `npm run dev` starts (scripts/run dev: the API with the simulator and the local
// chain) on free ports of a fresh database. Only the environment points the CLI at those ports, as
// MACHPAY_API_URL / MACHPAY_SOLANA_RPC would for a person whose 8081 is taken. If the README and
// the CLI drift apart, this fails.

const ROOT = resolve(import.meta.dir, "..");

/** The fenced block marked `sh quickstart`, exactly as the README shows it. */
export function quickstartBlock(readme: string): string {
  const m = /^```sh quickstart\n([\s\S]*?)^```$/m.exec(readme);
  if (!m) throw new Error("README.md has no ```sh quickstart block");
  return m[1]!;
}

function freePort(): number {
  const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

let db: TestDatabase;
let home: string;
let dev: ReturnType<typeof Bun.spawn> | undefined;
let devLog = "";
const apiPort = freePort();
const chainPort = freePort();
const apiUrl = `http://127.0.0.1:${apiPort}`;

beforeAll(async () => {
  db = await createTestDatabase();
  home = mkdtempSync(join(tmpdir(), "machpay-quickstart-"));
  const started = performance.now();
  dev = Bun.spawn(["bash", "scripts/run", "dev"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: home, NODE_ENV: "test", DATABASE_URL: db.url, PORT: String(apiPort), LOCALNET_PORT: String(chainPort), LOG_LEVEL: "warn" },
    stdout: "pipe",
    stderr: "pipe",
  });
  void new Response(dev.stderr as ReadableStream).text().then((t) => (devLog += t));
  const deadline = Date.now() + 60_000;
  for (;;) {
    const up = await fetch(`${apiUrl}/health`, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
    if (up) {
      console.log(`npm run dev answered /health after ${((performance.now() - started) / 1000).toFixed(1)} s (setup already done)`);
      break;
    }
    if (Date.now() > deadline || dev.exitCode !== null) throw new Error(`npm run dev did not come up:\n${devLog}`);
    await Bun.sleep(200);
  }
}, 90_000);

afterAll(async () => {
  dev?.kill("SIGTERM");
  await dev?.exited;
  await db.drop();
  rmSync(home, { recursive: true, force: true });
}, 30_000);

test("the README's Quickstart runs verbatim: a vendor lists an endpoint, an agent deposits on chain and pays it", async () => {
  const block = quickstartBlock(readFileSync(join(ROOT, "README.md"), "utf8"));
  const script = join(home, "quickstart.sh");
  // -e: the first failing command fails the run; -x: each command on stderr, to see where.
  writeFileSync(script, `set -ex\n${block}`);
  const started = performance.now();
  const proc = Bun.spawn(["bash", script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: home, MACHPAY_API_URL: apiUrl, MACHPAY_SOLANA_RPC: `http://127.0.0.1:${chainPort}` },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, stdout, stderr] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`quickstart commands: ${seconds} s (after npm run dev was up)`);
  if (code !== 0) throw new Error(`the Quickstart failed (exit ${code}):\n--- stdout\n${stdout}\n--- stderr\n${stderr}\n--- dev\n${devLog}`);

  expect(stdout).toContain('Vendor profile "Quickstart Weather Co" created');
  expect(stdout).toContain("Endpoint quickstart-weather listed at 0.01 USDC per call");
  expect(stdout).toMatch(/finalized/);
  expect(stdout).toContain("Credited: 5 USDC");
  expect(stdout).toMatch(/quickstart-weather +0\.01 USDC/); // found by the search
  expect(stdout).toMatch(/Paid 0\.01 USDC to quickstart-weather: tx_\w+ \(confirmed\)/);
  expect(stdout).toContain("Available: 4.99 USDC");
  expect(stdout).toMatch(/Revenue: [\d.]+ USDC from 1 payment\n/);
  expect(stdout).toMatch(/Payout \w+: 0\.005 USDC to \w+/);

  // What the live page shows: the public ticker carries the payment.
  const txId = /Paid 0\.01 USDC to quickstart-weather: (tx_\w+)/.exec(stdout)![1];
  const ticker = (await (await fetch(`${apiUrl}/v1/ticker`)).json()) as { id: string; service_id: string | null }[];
  expect(ticker.find((item) => item.id === txId)?.service_id).toBe("quickstart-weather");
}, 180_000);
