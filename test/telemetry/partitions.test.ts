import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createSql, type Sql } from "@/db/client";
import { manualClock } from "@/core/clock";
import { createLogger } from "@/core/logger";
import { runMaintenance, TELEMETRY_TABLES } from "@/telemetry";
import { createTestDatabase, type TestDatabase } from "../support/db";

// Daily partitions, made ahead and dropped after each table's retention by telemetry_maintain()
// (sql/0016), which the receiver runs at start and hourly.

const DAY = 86_400_000;
const RETENTION_DAYS: Record<string, number> = {
  telemetry_events: 7,
  payment_authorized: 14,
  request_blocked: 14,
  solvency_alerts: 14,
  gateway_telemetry: 14,
  agent_telemetry: 30,
  metrics: 14,
  logs: 3,
};

let db: TestDatabase;
let sql: Sql;
beforeAll(async () => {
  db = await createTestDatabase();
  sql = createSql(db.url, { max: 4 });
});
afterAll(async () => {
  await sql.end({ timeout: 5 });
  await db.drop();
});

const dayName = (table: string, at: Date) => `${table}_p${at.toISOString().slice(0, 10).replace(/-/g, "")}`;
const exists = async (name: string) => (await sql`SELECT to_regclass(${name}) IS NOT NULL AS found`)[0]!.found as boolean;
const logger = createLogger("silent");

test("every telemetry table is registered with its retention", async () => {
  const rows = await sql<{ table_name: string; retention_days: number }[]>`
    SELECT table_name, extract(day FROM retention)::int AS retention_days FROM telemetry_partitions ORDER BY table_name`;
  expect(Object.fromEntries(rows.filter((r) => r.table_name in RETENTION_DAYS).map((r) => [r.table_name, r.retention_days]))).toEqual(RETENTION_DAYS);
  expect([...TELEMETRY_TABLES].sort() as string[]).toEqual(Object.keys(RETENTION_DAYS).sort());
});

describe("a run", () => {
  const now = new Date();

  test("makes yesterday's to seven days ahead, for every table", async () => {
    await runMaintenance({ sql, clock: manualClock(now), logger });
    for (const table of TELEMETRY_TABLES) {
      for (let d = -1; d <= 7; d++) expect(await exists(dayName(table, new Date(now.getTime() + d * DAY)))).toBe(true);
      expect(await exists(dayName(table, new Date(now.getTime() + 8 * DAY)))).toBe(false);
    }
    // None is a DEFAULT partition: a row outside them is refused, never kept past retention.
    const [defaults] = await sql`SELECT count(*)::int AS n FROM pg_partitioned_table WHERE partdefid <> 0`;
    expect(defaults!.n).toBe(0);
  });

  test("drops a partition once its whole day is older than the table's retention, and keeps the rest", async () => {
    const old = new Date(now.getTime() - 20 * DAY);
    // Partitions (and rows) of twenty days ago, as if the receiver had run then.
    await runMaintenance({ sql, clock: manualClock(old), logger });
    await sql`INSERT INTO logs (time, level, msg) VALUES (${old}, 'warn', 'old')`;
    await sql`INSERT INTO agent_telemetry (time, agent_id, period_start, period_end) VALUES (${old}, 1, ${old}, ${old})`;
    expect(await exists(dayName("logs", old))).toBe(true);

    const changes = await runMaintenance({ sql, clock: manualClock(now), logger });
    expect(changes.every((c) => c.action === "dropped")).toBe(true);
    // 20 days back: past every retention but agent_telemetry's 30 days.
    expect(await exists(dayName("logs", old))).toBe(false);
    expect(await exists(dayName("metrics", old))).toBe(false);
    expect(await exists(dayName("telemetry_events", old))).toBe(false);
    expect(await exists(dayName("agent_telemetry", old))).toBe(true);
    expect((await sql`SELECT count(*)::int AS n FROM logs WHERE msg = 'old'`)[0]!.n).toBe(0);
    expect((await sql`SELECT count(*)::int AS n FROM agent_telemetry WHERE time = ${old}`)[0]!.n).toBe(1);

    // Yesterday's logs partition is within 3 days: kept; the day 4 days back is past: gone once made.
    const fourDaysAgo = new Date(now.getTime() - 4 * DAY);
    await runMaintenance({ sql, clock: manualClock(fourDaysAgo), logger });
    await runMaintenance({ sql, clock: manualClock(now), logger });
    expect(await exists(dayName("logs", fourDaysAgo))).toBe(false);
    expect(await exists(dayName("logs", new Date(now.getTime() - DAY)))).toBe(true);
    expect(await exists(dayName("metrics", fourDaysAgo))).toBe(true);
  });

  test("a row outside the partitions is refused by the database (no DEFAULT partition to hide it in)", async () => {
    const err = await sql`INSERT INTO metrics (time, entity_id, metric_name, value) VALUES (${new Date(now.getTime() + 30 * DAY)}, 'g', 'm', 1)`.catch((e) => e);
    expect(err.code).toBe("23514");
    expect(String(err.message)).toContain("no partition");
  });
});

test("replicas running it at once: one does the work, the other finds nothing to do", async () => {
  const at = new Date(Date.now() + 40 * DAY);
  const [a, b] = await Promise.all([sql`SELECT action, partition_name FROM telemetry_maintain(${at})`, sql`SELECT action, partition_name FROM telemetry_maintain(${at})`]);
  const created = [...a!, ...b!].filter((c) => c.action === "created");
  expect(created.length).toBe(TELEMETRY_TABLES.length * 9);
  expect(new Set(created.map((c) => c.partition_name)).size).toBe(created.length);
  expect(a!.length === 0 || b!.length === 0).toBe(true);
  await sql`SELECT count(*) FROM telemetry_maintain(now())`;
});

test("a drop that would wait on a reader is deferred to the next run, and inserts are not held up by it", async () => {
  const old = new Date(Date.now() - 20 * DAY);
  await runMaintenance({ sql, clock: manualClock(old), logger });
  const reader = await sql.reserve();
  try {
    await reader`BEGIN`;
    await reader`SELECT count(*) FROM metrics`;
    const changes = await runMaintenance({ sql, clock: manualClock(new Date()), logger });
    expect(changes.find((c) => c.partition_name === dayName("metrics", old))?.action).toBe("drop_deferred");
    expect(await exists(dayName("metrics", old))).toBe(true);
    // The receiver keeps writing meanwhile.
    await sql`INSERT INTO metrics (time, entity_id, metric_name, value) VALUES (now(), 'g', 'm', 1)`;
  } finally {
    await reader`COMMIT`;
    reader.release();
  }
  await runMaintenance({ sql, clock: manualClock(new Date()), logger });
  expect(await exists(dayName("metrics", old))).toBe(false);
});
