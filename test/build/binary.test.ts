import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createTestDatabase, type TestDatabase } from "../support/db";

// The single executable carries its migrations: started from an empty directory against an
// empty database, it migrates, serves, and stops cleanly on SIGTERM.

const outDir = mkdtempSync(join(tmpdir(), "machpay-bin-"));
const binary = join(outDir, "machpay-api");
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase({ migrated: false });
  const build = Bun.spawn(["bun", "build", "--compile", "src/main.ts", "--outfile", binary], { stdout: "pipe", stderr: "pipe" });
  const code = await build.exited;
  if (code !== 0) throw new Error(`bun build --compile failed: ${await new Response(build.stderr).text()}`);
}, 120_000);
afterAll(() => db.drop());

test("bun build --compile gives one executable that migrates, serves /health and stops on SIGTERM", async () => {
  const proc = Bun.spawn([resolve(binary)], {
    cwd: outDir,
    env: { PATH: process.env.PATH ?? "", DATABASE_URL: db.url, PORT: "0", HOST: "127.0.0.1" },
    stdout: "pipe",
    stderr: "pipe",
  });
  const reader = proc.stdout.getReader();
  const lines: Record<string, unknown>[] = [];
  let buffered = "";
  let url: string | undefined;
  while (!url) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`binary exited early: ${await new Response(proc.stderr).text()}`);
    buffered += new TextDecoder().decode(value);
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    for (const p of parts) {
      const line = JSON.parse(p);
      lines.push(line);
      if (line.msg === "listening") url = String(line.url);
    }
  }
  expect(lines.find((l) => l.msg === "migrations applied")).toBeDefined();
  const health = await fetch(url + "/health");
  expect(health.status).toBe(200);
  expect((await fetch(url + "/ready")).status).toBe(200);
  // The API reference's bundle is inside the executable too (no node_modules beside it).
  const docs = await (await fetch(url + "/docs")).text();
  const script = docs.match(/<script src="(\/docs\/assets\/[^"]+)"/)?.[1];
  expect(script).toBeDefined();
  const bundle = await fetch(url + script);
  expect(bundle.status).toBe(200);
  expect((await bundle.text()).length).toBeGreaterThan(1_000_000);

  proc.kill("SIGTERM");
  expect(await proc.exited).toBe(0);
  let rest = buffered;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    rest += new TextDecoder().decode(value);
  }
  expect(rest).toContain('"msg":"stopped"');
}, 60_000);
