import type { Tx } from "@/db/client";

/** Counts one hit in the window and returns the count so far (atomic across instances). */
export async function hit(sql: Tx, bucket: string, key: string, windowStart: Date): Promise<number> {
  const [row] = await sql<{ count: number }[]>`
    INSERT INTO rate_limit_counters (bucket, key, window_start, count)
    VALUES (${bucket}, ${key}, ${windowStart}, 1)
    ON CONFLICT (bucket, key, window_start)
    DO UPDATE SET count = rate_limit_counters.count + 1
    RETURNING count`;
  return row!.count;
}

export async function pruneBefore(sql: Tx, before: Date): Promise<void> {
  await sql`DELETE FROM rate_limit_counters WHERE window_start < ${before}`;
}
