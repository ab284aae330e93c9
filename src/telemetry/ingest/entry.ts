import { COPY_COLUMNS, type TelemetryTable } from "../tables";
import { copyRow, type Cell } from "./copy-text";

// One accepted event or packet as the write queue holds it: its rows already in COPY text, per
// table, and the key its raw copy is deduplicated on.

/** What a deep packet's config asked for; applied at the flush, only if the packet was new. */
export interface ConfigReport {
  vendorId: bigint;
  gatewayId: string;
  time: Date;
  priceAtomic?: bigint;
  acceptedMint?: string;
  withdrawalAddress?: string;
}

export interface Entry {
  /** (vendor, agent, source, id, time) of the raw copy: equal keys are one event. */
  key: string;
  lines: Partial<Record<TelemetryTable, string>>;
  /** The size of its lines: what the queue's byte bound counts. */
  bytes: number;
  config?: ConfigReport;
}

export type Row<T extends TelemetryTable> = Record<(typeof COPY_COLUMNS)[T][number], Cell>;

function rowText<T extends TelemetryTable>(table: T, row: Row<T>): string {
  const columns = COPY_COLUMNS[table];
  const cells: Cell[] = new Array(columns.length);
  for (let i = 0; i < columns.length; i++) cells[i] = row[columns[i] as keyof Row<T>];
  return copyRow(cells);
}

/** One row as a COPY text line (newline-terminated). */
export function line<T extends TelemetryTable>(table: T, row: Row<T>): string {
  return rowText(table, row) + "\n";
}

/** `timeIso`: the event's time as toISOString() gives it (millisecond precision, as stored). */
export function dedupeKey(vendorId: bigint | null, agentId: bigint | null, source: string, eventId: string, timeIso: string): string {
  return `${vendorId ?? ""}\u0001${agentId ?? ""}\u0001${source}\u0001${eventId}\u0001${timeIso}`;
}

/** Collects an entry's rows table by table; each table's become one flat string. */
export class EntryBuilder {
  private readonly rows: Partial<Record<TelemetryTable, string[]>> = {};

  add<T extends TelemetryTable>(table: T, row: Row<T>): this {
    const rows: string[] = (this.rows[table] ??= []);
    rows.push(rowText(table, row));
    return this;
  }

  build(key: string, config?: ConfigReport): Entry {
    const lines: Partial<Record<TelemetryTable, string>> = {};
    let bytes = key.length;
    for (const table in this.rows) {
      const rows = this.rows[table as TelemetryTable]!;
      // One row: a two-piece string is as small as a flat one; more: joined flat.
      const text = rows.length === 1 ? rows[0]! + "\n" : (rows.push(""), rows.join("\n"));
      lines[table as TelemetryTable] = text;
      bytes += text.length;
    }
    return { key, lines, bytes, ...(config ? { config } : {}) };
  }
}
