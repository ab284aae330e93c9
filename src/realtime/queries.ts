import type { Sql, Tx } from "@/db/client";

// The realtime module's SQL: the postgres broker's event log and the notification outbox.

export interface EventRow {
  id: bigint;
  topic: string;
  type: string;
  data: unknown;
}

// One key for every publisher of every instance: ids are assigned and committed in one order.
const EVENTS_LOCK = "machpay.realtime_events";

/**
 * Appends events and sends `notifyOf(rows)` on `channel` in the same transaction: subscribers
 * hear of committed rows only, and (under the lock) in id order.
 */
export async function appendEvents(
  sql: Sql,
  channel: string,
  eventsJson: string,
  notifyOf: (rows: EventRow[]) => string,
): Promise<EventRow[]> {
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(hashtext(${EVENTS_LOCK}))`;
    const rows = await tx<EventRow[]>`
      INSERT INTO realtime_events (topic, type, data)
      SELECT e->>'topic', e->>'type', e->'data'
      FROM jsonb_array_elements(${eventsJson}::text::jsonb) WITH ORDINALITY AS a(e, n)
      ORDER BY n
      RETURNING id, topic, type, data`;
    rows.sort((a, b) => (a.id < b.id ? -1 : 1));
    await tx`SELECT pg_notify(${channel}, ${notifyOf(rows)})`;
    return rows;
  }) as Promise<EventRow[]>;
}

export async function eventsAfter(sql: Tx, afterId: bigint, limit: number): Promise<EventRow[]> {
  return sql<EventRow[]>`
    SELECT id, topic, type, data
    FROM realtime_events
    WHERE id > ${afterId}
    ORDER BY id
    LIMIT ${limit}`;
}

export async function eventsBetween(sql: Tx, fromId: bigint, toId: bigint): Promise<EventRow[]> {
  return sql<EventRow[]>`
    SELECT id, topic, type, data
    FROM realtime_events
    WHERE id BETWEEN ${fromId} AND ${toId}
    ORDER BY id`;
}

/** The newest `limit` events of a topic after `afterId`, oldest first. */
export async function topicHistory(sql: Tx, topic: string, afterId: bigint, limit: number): Promise<EventRow[]> {
  return sql<EventRow[]>`
    SELECT id, topic, type, data
    FROM (
      SELECT id, topic, type, data
      FROM realtime_events
      WHERE topic = ${topic} AND id > ${afterId}
      ORDER BY id DESC
      LIMIT ${limit}
    ) AS newest
    ORDER BY id`;
}

export async function lastEventId(sql: Tx): Promise<bigint> {
  const [row] = await sql<{ id: bigint | null }[]>`SELECT max(id) AS id FROM realtime_events`;
  return row?.id ?? 0n;
}

/** Drops events older than `before`, and all but the newest `keep` whatever their age. */
export async function pruneEvents(sql: Tx, before: Date, keep: number): Promise<void> {
  await sql`
    DELETE FROM realtime_events
    WHERE created_at < ${before}
       OR id <= (SELECT max(id) FROM realtime_events) - ${keep}`;
}

export interface OutboxNotification {
  id: bigint;
  user_id: bigint;
  type: string;
  payload: unknown;
  created_at: Date;
}

/**
 * Claims committed notifications not yet relayed (SKIP LOCKED: instances share the work, none
 * relays a row twice). Reads the notifications the outbox trigger (sql/0011) pointed at.
 */
export async function claimOutbox(sql: Tx, limit: number): Promise<OutboxNotification[]> {
  return sql<OutboxNotification[]>`
    WITH claimed AS (
      DELETE FROM realtime_outbox
      WHERE notification_id IN (
        SELECT notification_id
        FROM realtime_outbox
        ORDER BY notification_id
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED
      )
      RETURNING notification_id
    )
    SELECT n.id, n.user_id, n.type, n.payload, n.created_at
    FROM notifications n
    JOIN claimed c ON c.notification_id = n.id
    ORDER BY n.id`;
}

/** The notification relay's outbox for /metrics: notifications not yet on SSE, and the oldest one's age. */
export async function outboxBacklog(sql: Tx, cap: number): Promise<{ n: bigint; age: number | null } | undefined> {
  const [row] = await sql<{ n: bigint; age: number | null }[]>`
    SELECT count(*) AS n, extract(epoch FROM now() - min(n.created_at))::float8 AS age
    FROM (SELECT notification_id FROM realtime_outbox LIMIT ${cap}) o
    JOIN notifications n ON n.id = o.notification_id`;
  return row;
}
