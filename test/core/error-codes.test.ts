import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { ERROR_CODES, type ErrorCode } from "@/core/errors";

// The error codes' table is the only source of statuses. The compiler holds `new AppError(code, ...)`
// to the table's codes; this file checks what it cannot: the table's own shape, the inline
// statuses of the transition form (only where the engine work has not converted them yet, and
// equal to the table's there), and the documents that quote a status with its code.

const ROOT = path.resolve(import.meta.dir, "../..");
const SRC = path.join(ROOT, "src");

/** Still on the inline-status form until the payment engine and real-time work lands; shrinks to nothing. */
const TRANSITION: string[] = [];
/** Where a code may answer another status than its own (AppError.withStatus). */
const STATUS_OVERRIDES = new Set(["src/http/errors.ts", "src/ledger/engine/outcome-codec.ts"]);

const codes = Object.keys(ERROR_CODES) as ErrorCode[];
const statusOf = (code: string) => (ERROR_CODES as Record<string, { status: number }>)[code]?.status;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return name.endsWith(".ts") ? [full] : [];
  });
}

interface Creation {
  where: string;
  file: string;
  /** The code when written as a literal. */
  code: string | undefined;
  /** The options argument names a status (the transition form), or cannot be read to say it does not. */
  inlineStatus: boolean;
  /** The literal status, when there is one. */
  status: number | undefined;
  override: boolean;
}

/** Whether an options argument may carry `status`, read syntactically through object literals, spreads and conditionals. */
function statusIn(node: ts.Expression): { found: boolean; literal?: number } {
  if (ts.isParenthesizedExpression(node)) return statusIn(node.expression);
  if (ts.isConditionalExpression(node)) {
    const a = statusIn(node.whenTrue);
    const b = statusIn(node.whenFalse);
    return { found: a.found || b.found, ...(a.literal !== undefined ? { literal: a.literal } : {}) };
  }
  if (!ts.isObjectLiteralExpression(node)) return { found: true };
  for (const p of node.properties) {
    if (ts.isSpreadAssignment(p)) {
      const inner = statusIn(p.expression);
      if (inner.found) return inner;
    } else if (p.name && ts.isIdentifier(p.name) && p.name.text === "status") {
      const init = ts.isPropertyAssignment(p) ? p.initializer : undefined;
      return { found: true, ...(init && ts.isNumericLiteral(init) ? { literal: Number(init.text) } : {}) };
    }
  }
  return { found: false };
}

function creations(): Creation[] {
  const out: Creation[] = [];
  for (const full of sourceFiles(SRC)) {
    const file = path.relative(ROOT, full);
    const sf = ts.createSourceFile(file, readFileSync(full, "utf8"), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      const isNew = ts.isNewExpression(node) && node.expression.getText(sf) === "AppError";
      const isOverride = ts.isCallExpression(node) && node.expression.getText(sf) === "AppError.withStatus";
      if (isNew || isOverride) {
        const args = (node as ts.NewExpression | ts.CallExpression).arguments ?? ts.factory.createNodeArray();
        const first = args[0];
        const options = isNew ? args[2] : undefined;
        // The AppError class itself passes its caller's options on; they were checked at the call.
        const read = options && !(file === "src/core/errors.ts" && ts.isIdentifier(options)) ? statusIn(options) : { found: false };
        out.push({
          where: `${file}:${sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1}`,
          file,
          code: first && ts.isStringLiteral(first) ? first.text : undefined,
          inlineStatus: read.found,
          status: read.literal,
          override: isOverride,
        });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return out;
}

describe("the error codes' table", () => {
  test("codes are snake_case words, statuses HTTP errors (400-599), each with a one-line meaning", () => {
    expect(codes.length).toBeGreaterThan(50);
    for (const code of codes) {
      const { status, meaning } = ERROR_CODES[code];
      expect({ code, snake: /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(code) }).toEqual({ code, snake: true });
      expect({ code, status: Number.isInteger(status) && status >= 400 && status <= 599 }).toEqual({ code, status: true });
      expect({ code, meaning: meaning.length > 0 && !meaning.includes("\n") }).toEqual({ code, meaning: true });
    }
  });

  test("every code in the table is named somewhere in src (no entry the API cannot answer)", () => {
    const text = sourceFiles(SRC)
      .filter((f) => !f.endsWith(path.join("core", "error-codes.ts")))
      .map((f) => readFileSync(f, "utf8"))
      .join("\n");
    // The role codes are built from the role (roleRequired).
    const unnamed = codes.filter((code) => !text.includes(`"${code}"`) && !code.endsWith("_role_required"));
    expect(unnamed).toEqual([]);
  });
});

describe("AppError creations in src", () => {
  const all = creations();

  test("are found (the scan reads the source)", () => {
    expect(all.filter((c) => !c.override).length).toBeGreaterThan(100);
  });

  test("name only the code: an inline status remains only in the files awaiting the engine work", () => {
    const outside = all.filter((c) => c.inlineStatus && !TRANSITION.some((prefix) => c.file.startsWith(prefix)));
    expect(outside.map((c) => c.where)).toEqual([]);
  });

  test("an inline status still waiting for conversion equals its code's status in the table", () => {
    const differing = all
      .filter((c) => c.inlineStatus && c.code !== undefined)
      .filter((c) => c.status === undefined || statusOf(c.code!) !== c.status)
      .map((c) => `${c.where} ${c.code} ${c.status ?? "(not a literal)"} (table: ${statusOf(c.code!) ?? "none"})`);
    expect(differing).toEqual([]);
  });

  test("a status other than the code's own is given only where it comes from outside (AppError.withStatus)", () => {
    expect(all.filter((c) => c.override && !STATUS_OVERRIDES.has(c.file)).map((c) => c.where)).toEqual([]);
  });
});

test("the documents that quote a status with its code quote the table's pair", () => {
  const wrong: string[] = [];
  for (const doc of ["openapi.yaml", "README.md", "DEVELOPERS.md"]) {
    const text = readFileSync(path.join(ROOT, doc), "utf8");
    // "409 idempotency_conflict", "401 `otp_invalid`": a status, then a snake_case word.
    for (const m of text.matchAll(/\b([45]\d\d) `?([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b/g)) {
      const [, status, code] = m;
      if (statusOf(code!) !== Number(status)) wrong.push(`${doc}: "${m[0]}" (table: ${statusOf(code!) ?? "no such code"})`);
    }
  }
  expect(wrong).toEqual([]);
});
