import { AppError } from "./errors";

// Opaque pagination cursors (contract.md "Conventions"): base64url JSON of the last row's sort key.

export function encodeCursor(value: Record<string, string>): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

export function decodeCursor<K extends string>(cursor: string, keys: readonly K[]): Record<K, string> {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Record<string, unknown>;
    if (keys.every((k) => typeof value[k] === "string")) return value as Record<K, string>;
  } catch {
    // fall through
  }
  throw new AppError("invalid_request", "cursor is not one this API returned", {
    details: { issues: [{ field: "cursor", location: "query", message: "invalid cursor" }] },
  });
}
