import { AppError } from "./errors";
import { findUnstorableText } from "./storable-text";

// Opaque pagination cursors (contract.md "Conventions"): base64url JSON of the last row's sort key.
// Opaque is not tamper-proof: a client can decode one and send back anything, so what comes back
// is checked as strictly as any other input before it reaches a query.

export function encodeCursor(value: Record<string, string>): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

const invalidCursor = () =>
  new AppError("invalid_request", "cursor is not one this API returned", {
    details: { issues: [{ field: "cursor", location: "query", message: "invalid cursor" }] },
  });

export function decodeCursor<K extends string>(cursor: string, keys: readonly K[]): Record<K, string> {
  let value: Record<string, unknown> | undefined;
  try {
    value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    // not JSON: refused below
  }
  // Every member a string PostgreSQL can store (a NUL would fail in the query: a 500).
  if (value && typeof value === "object" && keys.every((k) => typeof value[k] === "string") && !findUnstorableText(value)) return value as Record<K, string>;
  throw invalidCursor();
}

// Exactly what Date.prototype.toISOString writes for years 1 to 9999 (all within PostgreSQL's
// timestamptz); other years ("+275760-…", "0000-…") parse in JavaScript and fail in the query.
const ISO_INSTANT = /^(\d{4})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The cursor of a list ordered by (created_at, id): `t` as encodeCursor wrote it, and the id. */
export function decodeTimeCursor(cursor: string): { createdAt: Date; id: string } {
  const { t, id } = decodeCursor(cursor, ["t", "id"] as const);
  const createdAt = new Date(t);
  const year = ISO_INSTANT.exec(t)?.[1];
  if (!year || Number(year) < 1 || Number.isNaN(createdAt.getTime()) || createdAt.toISOString() !== t) throw invalidCursor();
  return { createdAt, id };
}
