import type { Tx } from "@/db/client";

// The notifications module's SQL: notifications, webhooks and their delivery outbox (sql/0012).

export const DELIVERIES_CHANNEL = "machpay_deliveries";

/**
 * The notification and its deliveries in one statement (one round trip, inside the caller's
 * transaction): one per webhook of the user subscribed to the type, and an email when `emailed`.
 */
export async function insertNotification(
  sql: Tx,
  n: { userId: bigint; type: string; payload: unknown; emailed: boolean },
): Promise<{ id: bigint; deliveries: bigint }> {
  const [row] = await sql<{ id: bigint; deliveries: bigint }[]>`
    WITH n AS (
      INSERT INTO notifications (user_id, type, payload)
      VALUES (${n.userId}, ${n.type}, ${sql.json(n.payload as never)})
      RETURNING id, user_id, type
    ), hooks AS (
      INSERT INTO notification_deliveries (notification_id, channel, webhook_id)
      SELECT n.id, 'webhook', w.id
      FROM n
      JOIN webhooks w ON w.user_id = n.user_id AND (n.type = ANY (w.events) OR '*' = ANY (w.events))
      RETURNING 1
    ), mail AS (
      INSERT INTO notification_deliveries (notification_id, channel)
      SELECT n.id, 'email' FROM n WHERE ${n.emailed}::boolean
      RETURNING 1
    )
    SELECT n.id, (SELECT count(*) FROM hooks) + (SELECT count(*) FROM mail) AS deliveries
    FROM n`;
  return row!;
}

/** Wakes delivery workers at COMMIT (never for a rolled-back transaction). */
export async function notifyDeliveries(sql: Tx): Promise<void> {
  await sql`SELECT pg_notify(${DELIVERIES_CHANNEL}, '')`;
}

export interface NotificationRow {
  id: bigint;
  type: string;
  payload: unknown;
  created_at: Date;
  read_at: Date | null;
}

export async function listNotifications(sql: Tx, userId: bigint, limit: number) {
  return sql<NotificationRow[]>`
    SELECT id, type, payload, created_at, read_at
    FROM notifications
    WHERE user_id = ${userId}
    ORDER BY id DESC
    LIMIT ${limit}`;
}

// ---- webhooks ----

export interface WebhookRow {
  id: bigint;
  user_id: bigint;
  url: string;
  events: string[];
  created_at: Date;
}

/** The id first: the sealed secret is bound to it. */
export async function reserveWebhookId(sql: Tx): Promise<bigint> {
  const [row] = await sql<{ id: bigint }[]>`SELECT nextval('webhooks_id_seq') AS id`;
  return row!.id;
}

/** Serializes a user's webhook creations, so the per-user cap holds under concurrent requests. */
export async function lockUserWebhooks(sql: Tx, userId: bigint): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext('machpay.webhooks'), hashtext(${userId.toString()}))`;
}

export async function countWebhooks(sql: Tx, userId: bigint): Promise<number> {
  const [row] = await sql<{ n: bigint }[]>`SELECT count(*) AS n FROM webhooks WHERE user_id = ${userId}`;
  return Number(row!.n);
}

export async function insertWebhook(
  sql: Tx,
  w: { id: bigint; userId: bigint; url: string; events: string[]; secretSealed: string; now: Date },
): Promise<WebhookRow> {
  const [row] = await sql<WebhookRow[]>`
    INSERT INTO webhooks (id, user_id, url, events, secret_sealed, created_at)
    VALUES (${w.id}, ${w.userId}, ${w.url}, ${w.events}, ${w.secretSealed}, ${w.now})
    RETURNING id, user_id, url, events, created_at`;
  return row!;
}

/** A user's webhooks, newest first, after the cursor's id. */
export async function listWebhooksOfUser(sql: Tx, userId: bigint, beforeId: bigint | null, limit: number) {
  return sql<WebhookRow[]>`
    SELECT id, user_id, url, events, created_at
    FROM webhooks
    WHERE user_id = ${userId}
      AND (${beforeId}::bigint IS NULL OR id < ${beforeId}::bigint)
    ORDER BY id DESC
    LIMIT ${limit}`;
}

/** Deletes the webhook only when it is the user's; its pending deliveries go with it. */
export async function deleteWebhookOfUser(sql: Tx, userId: bigint, id: bigint): Promise<boolean> {
  const rows = await sql`DELETE FROM webhooks WHERE id = ${id} AND user_id = ${userId} RETURNING id`;
  return rows.length > 0;
}

// ---- deliveries ----

export interface ClaimedDelivery {
  id: bigint;
  channel: "webhook" | "email";
  webhook_id: bigint | null;
  /** This attempt's number (1 = the first). */
  attempts: number;
  /** The previous claim recorded no outcome: its worker stopped mid-send. */
  was_in_flight: boolean;
  notification_id: bigint;
  user_id: bigint;
  type: string;
  payload: Record<string, unknown>;
  created_at: Date;
  url: string | null;
  secret_sealed: string | null;
}

/**
 * Claims due deliveries (SKIP LOCKED: instances share the work and never claim one row twice at
 * once). The claim counts the attempt and moves next_attempt_at to `leaseUntil`, so the row is
 * not due again while this attempt runs, and is again if the worker dies before recording it.
 */
export async function claimDueDeliveries(sql: Tx, now: Date, leaseUntil: Date, limit: number): Promise<ClaimedDelivery[]> {
  return sql<ClaimedDelivery[]>`
    WITH due AS (
      SELECT id, in_flight
      FROM notification_deliveries
      WHERE status = 'pending' AND next_attempt_at <= ${now}
      ORDER BY next_attempt_at, id
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ), claimed AS (
      UPDATE notification_deliveries d
      SET attempts = d.attempts + 1, next_attempt_at = ${leaseUntil}, in_flight = true
      FROM due
      WHERE d.id = due.id
      RETURNING d.id, d.notification_id, d.channel, d.webhook_id, d.attempts, due.in_flight AS was_in_flight
    )
    SELECT c.id, c.channel, c.webhook_id, c.attempts, c.was_in_flight,
           n.id AS notification_id, n.user_id, n.type, n.payload, n.created_at,
           w.url, w.secret_sealed
    FROM claimed c
    JOIN notifications n ON n.id = c.notification_id
    LEFT JOIN webhooks w ON w.id = c.webhook_id
    ORDER BY c.id`;
}

export type DeliveryOutcome =
  | { status: "delivered"; httpStatus: number | null; now: Date }
  | { status: "pending"; nextAttemptAt: Date; error: string; httpStatus: number | null }
  | { status: "failed" | "skipped"; error: string; httpStatus: number | null };

/**
 * Records an attempt's outcome. Guarded by the attempt number: a worker whose lease ran out (and
 * whose row was claimed again) cannot overwrite the newer attempt's state.
 */
export async function recordOutcome(sql: Tx, id: bigint, attempt: number, o: DeliveryOutcome): Promise<void> {
  const error = "error" in o ? o.error.slice(0, 500) : null;
  await sql`
    UPDATE notification_deliveries
    SET status = ${o.status},
        in_flight = false,
        last_error = ${error},
        last_status = ${o.httpStatus},
        next_attempt_at = COALESCE(${o.status === "pending" ? o.nextAttemptAt : null}::timestamptz, next_attempt_at),
        delivered_at = ${o.status === "delivered" ? o.now : null}
    WHERE id = ${id} AND attempts = ${attempt}`;
}

/** The delivery outbox for /metrics: deliveries due now (not those backing off), and the oldest one's age. */
export async function dueDeliveriesBacklog(sql: Tx, cap: number): Promise<{ n: bigint; age: number | null } | undefined> {
  const [row] = await sql<{ n: bigint; age: number | null }[]>`
    SELECT count(*) AS n, extract(epoch FROM now() - min(created_at))::float8 AS age
    FROM (
      SELECT created_at FROM notification_deliveries
      WHERE status = 'pending' AND next_attempt_at <= now()
      LIMIT ${cap}
    ) due`;
  return row;
}
