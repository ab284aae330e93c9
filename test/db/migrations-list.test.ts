import { expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { MIGRATIONS } from "@/db/migrations";

test("the embedded migration list is exactly sql/*.sql, in order, with the same text", () => {
  const files = readdirSync("sql").filter((f) => f.endsWith(".sql")).sort();
  expect(MIGRATIONS.map((m) => m.name)).toEqual(files);
  for (const m of MIGRATIONS) expect(m.sql).toBe(readFileSync(`sql/${m.name}`, "utf8"));
});
