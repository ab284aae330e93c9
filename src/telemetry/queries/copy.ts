import type { Writable } from "node:stream";
import type postgres from "postgres";
import { COPY_COLUMNS, type TelemetryTable } from "../tables";

// COPY ... FROM STDIN through postgres.js (`.writable()`), one statement per table, each naming its
// table literally (the one-writer check reads them). postgres.js 3.4.9 never settled a COPY the
// server refused after CopyDone (porsager/postgres#1173): patches/ fixes it, and a refused COPY
// now rejects here with the server's error.

type TxSql = postgres.TransactionSql<{ bigint: bigint; numeric: bigint }>;

function copyStatement(tx: TxSql, table: TelemetryTable) {
  const columns = tx(COPY_COLUMNS[table] as unknown as string[]);
  switch (table) {
    case "telemetry_events":
      return tx`COPY telemetry_events (${columns}) FROM STDIN`;
    case "payment_authorized":
      return tx`COPY payment_authorized (${columns}) FROM STDIN`;
    case "request_blocked":
      return tx`COPY request_blocked (${columns}) FROM STDIN`;
    case "solvency_alerts":
      return tx`COPY solvency_alerts (${columns}) FROM STDIN`;
    case "gateway_telemetry":
      return tx`COPY gateway_telemetry (${columns}) FROM STDIN`;
    case "agent_telemetry":
      return tx`COPY agent_telemetry (${columns}) FROM STDIN`;
    case "metrics":
      return tx`COPY metrics (${columns}) FROM STDIN`;
    case "logs":
      return tx`COPY logs (${columns}) FROM STDIN`;
  }
}

const CHUNK_CHARS = 64 * 1024;

/**
 * Writes the rows (COPY text pieces) in chunks of about 64 KiB, each encoded and sent on its own
 * and awaited, then ends the COPY. A flush of thousands of rows so never holds the event loop for
 * one long encode: requests are answered between its chunks. Returns the rows sent.
 */
async function writeRows(stream: Writable, parts: readonly string[]): Promise<number> {
  let failure: unknown;
  const failed = new Promise<never>((_, reject) => stream.once("error", (err) => reject((failure = err))));
  failed.catch(() => {});
  const send = (text: string) =>
    Promise.race([new Promise<void>((resolve, reject) => stream.write(text, (err?: Error | null) => (err ? reject(err) : resolve()))), failed]);
  let rows = 0;
  let chunk: string[] = [];
  let size = 0;
  for (const part of parts) {
    for (let i = part.indexOf("\n"); i !== -1; i = part.indexOf("\n", i + 1)) rows++;
    chunk.push(part);
    size += part.length;
    if (size >= CHUNK_CHARS) {
      await send(chunk.join(""));
      chunk = [];
      size = 0;
    }
  }
  if (size > 0) await send(chunk.join(""));
  if (failure !== undefined) throw failure;
  await Promise.race([new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve()))), failed]);
  return rows;
}

/** Sends the rows (COPY text, newline-terminated) into `table` inside the caller's transaction; returns how many. */
export async function copyInto(tx: TxSql, table: TelemetryTable, parts: readonly string[]): Promise<number> {
  const stream = await copyStatement(tx, table).writable();
  return writeRows(stream, parts);
}

export interface RawKey {
  vendor_id: bigint | null;
  agent_id: bigint | null;
  source: string;
  event_id: string;
  time: Date;
}

/**
 * The raw copy when some of it is already stored (a replayed request, SDK retries): staged, then
 * inserted with ON CONFLICT DO NOTHING; returns the keys that were new. Slower than the plain COPY,
 * so it runs only after that one met a duplicate.
 */
export async function insertNewRawEvents(tx: TxSql, parts: readonly string[]): Promise<RawKey[]> {
  await tx`CREATE TEMP TABLE telemetry_events_incoming (LIKE telemetry_events) ON COMMIT DROP`;
  const stream = await tx`COPY telemetry_events_incoming (${tx(COPY_COLUMNS.telemetry_events as unknown as string[])}) FROM STDIN`.writable();
  await writeRows(stream, parts);
  return tx<RawKey[]>`
    INSERT INTO telemetry_events
    SELECT * FROM telemetry_events_incoming
    ON CONFLICT DO NOTHING
    RETURNING vendor_id, agent_id, source, event_id, time`;
}
