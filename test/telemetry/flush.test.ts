import { afterAll, beforeAll, expect, test } from "bun:test";
import { Registry } from "prom-client";
import { createLogger } from "@/core/logger";
import { createSql, type Sql } from "@/db/client";
import { runMaintenance } from "@/telemetry";
import type { Entry } from "@/telemetry/ingest/entry";
import { createBatchWriter } from "@/telemetry/ingest/flush";
import { createIngestMetrics } from "@/telemetry/ingest/metrics";
import { parseGatewayBody } from "@/telemetry/ingest/parse";
import { gatewayEventEntry } from "@/telemetry/ingest/rows";
import { systemClock } from "@/core/clock";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { paymentAuthorized } from "../support/telemetry-shapes";

// One flush against the real database, on the paths a well-formed request never takes: a batch
// the database refuses (dropped and counted, the next one still written), a batch of events
// already stored (written once), and a day whose partition is missing (made, then written).

let db: TestDatabase;
let sql: Sql;
const registry = new Registry();
const metrics = createIngestMetrics(registry, () => ({ events: 0, bytes: 0 }));
const logs: Record<string, unknown>[] = [];
let write: ReturnType<typeof createBatchWriter>;

beforeAll(async () => {
  db = await createTestDatabase();
  sql = createSql(db.url, { max: 2 });
  await runMaintenance({ sql, clock: systemClock, logger: createLogger("silent") });
  write = createBatchWriter({ sql, logger: createLogger("info", {}, (line) => logs.push(JSON.parse(line))), usdcMint: "x", metrics });
});
afterAll(async () => {
  await sql.end({ timeout: 5 });
  await db.drop();
});

function entries(gateway: string, n: number): Entry[] {
  const parsed = parseGatewayBody(
    Array.from({ length: n }, (_, i) => paymentAuthorized({ time: new Date(), gateway, agent: "a", amount: i + 1 })),
    new Date(),
  );
  if (parsed.kind !== "events") throw new Error("not events");
  return parsed.events.map((e) => gatewayEventEntry(1n, e, new Date().toISOString()));
}

const rows = async (gateway: string) => Number((await sql`SELECT count(*)::int AS n FROM payment_authorized WHERE gateway_id = ${gateway}`)[0]!.n);
const counter = async (name: string) => (await registry.getSingleMetricAsString(name)).split("\n").filter((l) => !l.startsWith("#")).join(" ");

test("a batch the database refuses is dropped and counted; the next batch is written", async () => {
  const bad = entries("gw-bad", 3);
  // A row no validated request can give: its raw copy is not JSON.
  bad[1] = { ...bad[1]!, lines: { ...bad[1]!.lines, telemetry_events: bad[1]!.lines.telemetry_events!.replace(/\t\{.*\}\n$/, "\t{not json\n") } };
  await write(bad);
  expect(await rows("gw-bad")).toBe(0);
  expect(await counter("telemetry_events_dropped_total")).toContain('reason="write_failed"} 3');
  expect(logs.some((l) => l.msg === "telemetry flush failed; its events are dropped")).toBe(true);

  await write(entries("gw-good", 2));
  expect(await rows("gw-good")).toBe(2);
});

test("events already stored (a replay, or the same event twice in one flush) are written once", async () => {
  const batch = entries("gw-dup", 4);
  await write(batch.slice(0, 2));
  await write([...batch, batch[3]!]);
  expect(await rows("gw-dup")).toBe(4);
  expect(await counter("telemetry_events_duplicate_total")).toContain(" 3");
});

test("a day without its partition (no maintenance ran): made, and the batch written", async () => {
  const today = `payment_authorized_p${new Date().toISOString().slice(0, 10).replace(/-/g, "")}`;
  await sql.unsafe(`DROP TABLE ${today}`);
  await write(entries("gw-late", 2));
  expect(await rows("gw-late")).toBe(2);
  expect((await sql`SELECT to_regclass(${today}) IS NOT NULL AS found`)[0]!.found).toBe(true);
});
