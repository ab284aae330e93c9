import { expect, test } from "bun:test";

test("the whole tree type-checks under strict TypeScript (tsc --noEmit)", async () => {
  const proc = Bun.spawn(["bun", "x", "tsc", "--noEmit", "-p", "."], { stdout: "pipe", stderr: "pipe" });
  const [code, out] = await Promise.all([proc.exited, new Response(proc.stdout).text()]);
  expect(out).toBe("");
  expect(code).toBe(0);
}, 120_000);
