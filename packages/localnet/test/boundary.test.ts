import { expect, test } from "bun:test";
import { Glob } from "bun";
import { join, relative, resolve } from "node:path";

// The package shares nothing with the backend: its files import each other (relatively, never
// out of the package), Node's and Bun's built-ins, and the Solana libraries the repository
// installs. Its tsconfig.json drops the backend's "@/" alias, so such an import fails at run
// time too; this names the offending file and import instead.

const ROOT = resolve(import.meta.dir, "..");
const LIBRARIES = ["litesvm", "@solana/kit", "@solana-program/token", "@solana-program/system", "@solana-program/memo"];

test("every import stays inside the package or names a Solana library", async () => {
  const outside: string[] = [];
  for await (const file of new Glob("{src,test}/**/*.ts").scan(ROOT)) {
    const text = await Bun.file(join(ROOT, file)).text();
    for (const [, spec] of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/g)) {
      if (spec!.startsWith("node:") || spec === "bun" || spec!.startsWith("bun:") || LIBRARIES.includes(spec!)) continue;
      const inside = spec!.startsWith(".") && !relative(ROOT, resolve(ROOT, file, "..", spec!)).startsWith("..");
      if (!inside) outside.push(`${file}: ${spec}`);
    }
  }
  expect(outside).toEqual([]);
});
