import { afterAll, beforeAll, expect, test } from "bun:test";
import { createTestDatabase, type TestDatabase } from "../support/db";

// The receiver is a subcommand of the one entry point (`main.ts receiver`, so one build runs
// either): on an empty database it migrates, serves on RECEIVER_PORT, and stops cleanly on SIGTERM.

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase({ migrated: false });
});
afterAll(() => db.drop());

async function linesUntil(reader: { read(): Promise<{ value?: Uint8Array | undefined; done: boolean }> }, done: (line: Record<string, unknown>) => boolean) {
  const lines: Record<string, unknown>[] = [];
  let buffered = "";
  for (;;) {
    const { value, done: ended } = await reader.read();
    if (ended) return { lines, rest: buffered, ended: true };
    buffered += new TextDecoder().decode(value);
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    for (const p of parts) {
      const line = JSON.parse(p) as Record<string, unknown>;
      lines.push(line);
      if (done(line)) return { lines, rest: buffered, ended: false };
    }
  }
}

test("`main.ts receiver` migrates, serves /health and /v1/ingest on RECEIVER_PORT, and stops on SIGTERM", async () => {
  const proc = Bun.spawn(["bun", "src/main.ts", "receiver"], {
    env: { PATH: process.env.PATH ?? "", DATABASE_URL: db.url, RECEIVER_PORT: "0", PORT: "1", HOST: "127.0.0.1", NODE_ENV: "test", API_KEY_PEPPER: "p".repeat(32) },
    stdout: "pipe",
    stderr: "pipe",
  });
  const reader = proc.stdout.getReader();
  const started = await linesUntil(reader, (line) => line.msg === "listening");
  if (started.ended) throw new Error(`receiver exited early: ${await new Response(proc.stderr).text()}`);
  const url = String(started.lines.at(-1)!.url);
  expect(started.lines.find((l) => l.msg === "migrations applied")).toBeDefined();
  expect(started.lines.every((l) => l.process === "receiver")).toBe(true);

  expect((await fetch(url + "/health")).status).toBe(200);
  // The ingest route answers (here: no credentials), the API's routes are not served.
  expect((await fetch(url + "/v1/ingest", { method: "POST", body: "[]" })).status).toBe(401);
  expect((await fetch(url + "/v1/profile")).status).toBe(404);

  proc.kill("SIGTERM");
  expect(await proc.exited).toBe(0);
  const { lines } = await linesUntil(reader, () => false);
  expect(lines.map((l) => l.msg)).toContain("stopped");
}, 60_000);
