import type { Tx } from "@/db/client";

export async function insertNotification(sql: Tx, userId: bigint, type: string, payload: unknown): Promise<bigint> {
  const [row] = await sql<{ id: bigint }[]>`
    INSERT INTO notifications (user_id, type, payload)
    VALUES (${userId}, ${type}, ${sql.json(payload as never)})
    RETURNING id`;
  return row!.id;
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
