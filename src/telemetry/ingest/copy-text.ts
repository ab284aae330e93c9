// PostgreSQL's COPY text format (tab-separated columns, one row per line, \N for NULL), built at
// admission so that a flush only concatenates. Backslash, tab, newline and carriage return are
// the characters the format escapes; NUL never gets here (refused at the edge).

const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_ALL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

export const NULL = "\\N";

export function copyText(value: string): string {
  return SPECIAL.test(value) ? value.replace(SPECIAL_ALL, (ch) => ESCAPES[ch]!) : value;
}

export type Cell = string | number | bigint | Date | null | undefined;

function cell(value: Cell): string {
  if (value === null || value === undefined) return NULL;
  if (typeof value === "string") return copyText(value);
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/**
 * One row: its cells in the COPY statement's column order, without the newline. Joined rather
 * than concatenated: join makes one flat string, where `+=` would keep a rope of every cell alive
 * for as long as the row waits in the queue (several times its size).
 */
export function copyRow(cells: readonly Cell[]): string {
  const out: string[] = new Array(cells.length);
  for (let i = 0; i < cells.length; i++) out[i] = cell(cells[i]);
  return out.join("\t");
}

/** A value for a jsonb column: bigints as digit strings (money stays exact), dates as ISO text. */
export function jsonCell(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}
