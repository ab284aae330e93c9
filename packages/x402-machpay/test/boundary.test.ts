import { expect, test } from "bun:test";
import { Glob } from "bun";
import { join, relative, resolve } from "node:path";

// The package is what a gateway or an agent imports: its sources import each other and
// @x402/core only (the backend's src/ is out of reach: its tsconfig.json drops the "@/" alias).
// Tests may use @solana/kit for real keys.

const ROOT = resolve(import.meta.dir, "..");
const LIBRARIES: Record<string, string[]> = { src: ["@x402/core/types", "@x402/core/utils"], test: ["@x402/core/types", "@solana/kit"] };

test("every import stays inside the package or names an allowed library", async () => {
  const outside: string[] = [];
  for await (const file of new Glob("{src,test}/**/*.ts").scan(ROOT)) {
    const allowed = LIBRARIES[file.split("/")[0]!] ?? [];
    const text = await Bun.file(join(ROOT, file)).text();
    for (const [, spec] of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/g)) {
      if (spec!.startsWith("node:") || spec === "bun" || spec!.startsWith("bun:") || allowed.includes(spec!)) continue;
      const inside = spec!.startsWith(".") && !relative(ROOT, resolve(ROOT, file, "..", spec!)).startsWith("..");
      if (!inside) outside.push(`${file}: ${spec}`);
    }
  }
  expect(outside).toEqual([]);
});
