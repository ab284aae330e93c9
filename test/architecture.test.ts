import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

// The shape of src/, checked on every run (style guide "Rules that keep this layout honest"):
// plumbing below the modules, modules talking only through each other's index.ts with no cycle,
// and the composition root (src/app) above them all, imported only by entry points.

const SRC = path.resolve(import.meta.dir, "../src");

/** Below every module, in this order: each may import only itself and the layers before it. */
const PLUMBING = ["core", "config", "db", "http"] as const;
/** Above every module: the composition root, and the programs that start it. */
const ROOT = "app";
const ENTRY_POINTS = new Set(["main.ts", "receiver.ts", "cli/main.ts"]);
/** Not modules of the server: the generated API client and the CLI built on it. */
const CLIENT_SIDE = new Set(["client", "cli"]);

interface Edge {
  file: string;
  from: string;
  to: string;
  /** The imported path inside the target, "" for its index. */
  inner: string;
  spec: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(name) ? [full] : [];
  });
}

/** The top-level unit a file belongs to: a folder under src/ (a module or a layer), or config for src/config.ts. */
const unitOf = (file: string) => {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length === 1 ? rel[0]!.replace(/\.tsx?$/, "") : rel[0]!;
};

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)["']([^"']+)["']/g)) {
      const spec = m[1]!;
      let target: string;
      if (spec.startsWith("@/")) target = path.join(SRC, spec.slice(2));
      else if (spec.startsWith(".")) target = path.resolve(path.dirname(file), spec);
      else continue;
      if (!target.startsWith(SRC + path.sep)) continue; // sql/, package.json: not code of src/
      const from = unitOf(file);
      const to = unitOf(target);
      const inner = path.relative(path.join(SRC, to), target).replace(/\.tsx?$/, "").replace(/^index$/, "");
      out.push({ file: path.relative(SRC, file), from, to, inner, spec });
    }
  }
  return out;
}

const all = edges();
const cross = all.filter((e) => e.from !== e.to);
const isModule = (unit: string) => !(PLUMBING as readonly string[]).includes(unit) && unit !== ROOT && !ENTRY_POINTS.has(`${unit}.ts`) && !CLIENT_SIDE.has(unit);
const show = (e: Edge) => `${e.file} imports "${e.spec}"`;

describe("the shape of src/", () => {
  test("plumbing (core, config, db, http) imports no module, nothing above it, and only the layers below it", () => {
    const bad = cross.filter((e) => {
      const level = (PLUMBING as readonly string[]).indexOf(e.from);
      if (level < 0) return false;
      const targetLevel = (PLUMBING as readonly string[]).indexOf(e.to);
      return targetLevel < 0 || targetLevel > level;
    });
    expect(bad.map(show)).toEqual([]);
  });

  test("a module imports another module only through its index.ts", () => {
    const bad = cross.filter((e) => isModule(e.to) && e.inner !== "");
    expect(bad.map(show)).toEqual([]);
  });

  test("only entry points import the composition root (src/app)", () => {
    const bad = cross.filter((e) => e.to === ROOT && !ENTRY_POINTS.has(e.file));
    expect(bad.map(show)).toEqual([]);
  });

  test("there is no cycle between modules", () => {
    const graph = new Map<string, Set<string>>();
    for (const e of cross) if (isModule(e.from) && isModule(e.to)) graph.set(e.from, (graph.get(e.from) ?? new Set()).add(e.to));
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const visit = (unit: string, trail: string[]) => {
      if (state.get(unit) === "done") return;
      if (state.get(unit) === "open") {
        cycles.push([...trail.slice(trail.indexOf(unit)), unit].join(" -> "));
        return;
      }
      state.set(unit, "open");
      for (const next of graph.get(unit) ?? []) visit(next, [...trail, unit]);
      state.set(unit, "done");
    };
    for (const unit of graph.keys()) visit(unit, []);
    expect(cycles).toEqual([]);
  });

  test("the server never imports the local chain (packages/localnet): a development stand-in", () => {
    const bad = sourceFiles(SRC).filter((file) => /["'][^"']*packages\/localnet[^"']*["']/.test(readFileSync(file, "utf8")));
    expect(bad.map((f) => path.relative(SRC, f))).toEqual([]);
  });

  test("the environment is read in src/config.ts and the entry points only", () => {
    const readers = sourceFiles(SRC)
      .map((file) => path.relative(SRC, file))
      .filter((rel) => rel !== "config.ts" && !ENTRY_POINTS.has(rel) && /process\.env\b/.test(readFileSync(path.join(SRC, rel), "utf8")));
    expect(readers).toEqual([]);
  });

  test("the checks see the code: every module is found and imports something", () => {
    const modules = new Set(cross.filter((e) => isModule(e.from)).map((e) => e.from));
    for (const m of ["auth", "ledger", "pairing", "payouts", "realtime", "registry"]) expect(modules.has(m)).toBe(true);
  });
});
