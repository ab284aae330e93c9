// Builds the publishable package into dist/: ESM JavaScript for Node 18+ and Bun (bun build,
// openapi-fetch left as the package's one dependency) and .d.ts declarations (tsc). Run by
// `npm pack` (prepack) and `bun run build`; the sources in src/ are what the repository imports.
import { rmSync } from "node:fs";
import { join } from "node:path";

const root = import.meta.dir;
rmSync(join(root, "dist"), { recursive: true, force: true });

const built = await Bun.build({
  entrypoints: [join(root, "src/index.ts")],
  outdir: join(root, "dist"),
  target: "node",
  format: "esm",
  external: ["openapi-fetch"],
});
if (!built.success) {
  for (const log of built.logs) console.error(log);
  process.exit(1);
}

const tsc = Bun.spawnSync(["bun", require.resolve("typescript/bin/tsc"), "-p", join(root, "tsconfig.json")], { stdout: "inherit", stderr: "inherit" });
if (tsc.exitCode !== 0) process.exit(tsc.exitCode ?? 1);
// stderr: `npm pack --json` prints its JSON on stdout after this script runs.
console.error("built dist/index.js and dist/*.d.ts");
