import { expect } from "bun:test";

// Reading /metrics in tests: the exposition text, promtool's verdict on it, and the metric names a
// Grafana dashboard's PromQL refers to.

export async function scrape(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

/**
 * Debian's promtool (package `prometheus`, which scripts/setup installs when it is missing) must
 * find nothing to say about the text: format errors and lint problems both fail.
 */
export async function promtoolCheck(text: string): Promise<void> {
  if (!Bun.which("promtool")) {
    throw new Error("promtool is missing: scripts/setup installs it with Debian's `prometheus` package (apt-get install prometheus); run `bash scripts/setup` as root or install it by hand");
  }
  const proc = Bun.spawn(["promtool", "check", "metrics"], { stdin: new TextEncoder().encode(text), stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  expect({ code, problems: (out + err).trim() }).toEqual({ code: 0, problems: "" });
}

export interface Exposition {
  /** Families from the # TYPE lines. */
  families: Set<string>;
  /** Every sample name (a histogram's _bucket, _sum, _count included). */
  samples: Set<string>;
}

export function parseExposition(text: string): Exposition {
  const families = new Set<string>();
  const samples = new Set<string>();
  for (const line of text.split("\n")) {
    const type = /^# TYPE (\S+) /.exec(line);
    if (type) families.add(type[1]!);
    else if (line && !line.startsWith("#")) samples.add(line.split(/[{ ]/)[0]!);
  }
  return { families, samples };
}

/** The value of the one sample named `name` carrying (at least) these labels; 0 when there is none. */
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split("\n")) {
    if (!line.startsWith(name) || (line[name.length] !== "{" && line[name.length] !== " ")) continue;
    const labelText = line[name.length] === "{" ? line.slice(name.length + 1, line.lastIndexOf("}")) : "";
    const have = new Set(labelText.split(/,(?=[a-zA-Z_]+=")/).filter(Boolean));
    if (wanted.every((w) => have.has(w))) return Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return 0;
}

/** Scrapes until the sample satisfies `ok` (for what moves after the request that caused it answered). */
export async function waitForSample(baseUrl: string, name: string, labels: Record<string, string>, ok: (v: number) => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = 0;
  while (Date.now() < until) {
    last = sampleValue(await scrape(baseUrl), name, labels);
    if (ok(last)) return;
    await Bun.sleep(50);
  }
  throw new Error(`${name}${JSON.stringify(labels)} stayed at ${last}`);
}

const PROMQL_WORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset", "inf", "nan"]);

/** The metric names in a dashboard's PromQL expressions (panels, rows' panels, template queries). */
export function dashboardMetricNames(dashboard: { panels?: unknown[]; templating?: { list?: { query?: unknown }[] } }): string[] {
  const exprs: string[] = [];
  const walk = (panels: unknown[] | undefined) => {
    for (const p of panels ?? []) {
      const panel = p as { targets?: { expr?: string }[]; panels?: unknown[] };
      for (const target of panel.targets ?? []) if (target.expr) exprs.push(target.expr);
      walk(panel.panels);
    }
  };
  walk(dashboard.panels);
  const names = new Set<string>();
  for (const expr of exprs) {
    const bare = expr
      .replace(/"(?:[^"\\]|\\.)*"/g, "")
      .replace(/\{[^}]*\}/g, "")
      .replace(/\[[^\]]*\]/g, "")
      .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "");
    for (const m of bare.matchAll(/(?<![\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
      if (m[2] || PROMQL_WORDS.has(m[1]!)) continue;
      names.add(m[1]!);
    }
  }
  return [...names].sort();
}
