import type { Tx } from "@/db/client";
import { withTransaction } from "@/db/transaction";
import type { McpToolsList } from "./schemas";

// The indexing queue (sql/0010_registry.sql): written with the service, drained by the worker.

/** Queues services for (re)embedding; a service already queued gets a new generation. */
export async function enqueueIndexing(sql: Tx, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await sql`
    INSERT INTO service_index_queue (service_id)
    SELECT unnest(${ids}::text[])
    ON CONFLICT (service_id) DO UPDATE SET
      generation = service_index_queue.generation + 1,
      enqueued_at = now(),
      not_before = NULL,
      attempts = 0,
      last_error = NULL`;
}

export interface ClaimedJob {
  service_id: string;
  generation: bigint;
  name: string;
  description: string;
  service_type: string;
  mcp_tool_def: McpToolsList | null;
  /** Of the stored embedding, if any. */
  content_hash: string | null;
}

/**
 * Leases up to `limit` ready jobs, oldest first. SKIP LOCKED lets several workers (one per
 * instance) claim disjoint batches without waiting on each other; the lease (not a transaction
 * held across the embedding call) keeps others off the rows until `until`.
 */
export async function claimIndexJobs(sql: Tx, p: { now: Date; until: Date; lease: string; limit: number }): Promise<ClaimedJob[]> {
  return sql<ClaimedJob[]>`
    WITH claimed AS (
      UPDATE service_index_queue q
      SET lease = ${p.lease}, locked_until = ${p.until}
      WHERE q.service_id IN (
        SELECT service_id FROM service_index_queue
        WHERE (locked_until IS NULL OR locked_until < ${p.now})
          AND (not_before IS NULL OR not_before <= ${p.now})
        ORDER BY enqueued_at
        LIMIT ${p.limit}
        FOR UPDATE SKIP LOCKED)
      RETURNING q.service_id, q.generation)
    SELECT c.service_id, c.generation, s.name, s.description, s.service_type, s.mcp_tool_def, e.content_hash
    FROM claimed c
    JOIN services s ON s.id = c.service_id
    LEFT JOIN service_embeddings e ON e.service_id = c.service_id`;
}

export interface CompletedJob {
  service_id: string;
  generation: bigint;
  content_hash: string;
  /** pgvector text; absent when the stored embedding is already current. */
  vector?: string;
}

/**
 * Stores the new embeddings and retires the jobs, only while this lease still holds them (a late
 * worker whose lease was taken over writes nothing). A job whose service was written again
 * meanwhile (a newer generation) is released instead, to be embedded again at once.
 */
export async function completeIndexJobs(sql: Tx, lease: string, jobs: CompletedJob[]): Promise<void> {
  const embedded = jobs.filter((j): j is CompletedJob & { vector: string } => j.vector !== undefined);
  await withTransaction(sql, async (tx) => {
    if (embedded.length > 0) {
      await tx`
        INSERT INTO service_embeddings (service_id, embedding, content_hash, updated_at)
        SELECT u.id, u.vec::vector, u.hash, now()
        FROM unnest(${embedded.map((j) => j.service_id)}::text[], ${embedded.map((j) => j.vector)}::text[], ${embedded.map((j) => j.content_hash)}::text[]) AS u(id, vec, hash)
        JOIN service_index_queue q ON q.service_id = u.id AND q.lease = ${lease}
        ON CONFLICT (service_id) DO UPDATE SET
          embedding = excluded.embedding,
          content_hash = excluded.content_hash,
          updated_at = excluded.updated_at`;
    }
    await tx`
      DELETE FROM service_index_queue q
      USING unnest(${jobs.map((j) => j.service_id)}::text[], ${jobs.map((j) => j.generation.toString())}::bigint[]) AS d(id, gen)
      WHERE q.service_id = d.id AND q.generation = d.gen AND q.lease = ${lease}`;
    await tx`UPDATE service_index_queue SET lease = NULL, locked_until = NULL WHERE lease = ${lease}`;
  });
}

/** Releases a failed batch with exponential backoff (1 s, 2 s, 4 s... at most 5 minutes). */
export async function failIndexJobs(sql: Tx, lease: string, now: Date, error: string): Promise<void> {
  await sql`
    UPDATE service_index_queue SET
      lease = NULL,
      locked_until = NULL,
      not_before = ${now}::timestamptz + least(power(2, attempts), 300) * interval '1 second',
      attempts = attempts + 1,
      last_error = ${error.slice(0, 1000)}
    WHERE lease = ${lease}`;
}

export interface BackfillRow {
  id: string;
  name: string;
  description: string;
  service_type: string;
  mcp_tool_def: McpToolsList | null;
  content_hash: string | null;
}

/** A page of all services with their stored hash, for the start-up consistency sweep. */
export async function servicesWithHashes(sql: Tx, after: string | undefined, limit: number): Promise<BackfillRow[]> {
  return sql<BackfillRow[]>`
    SELECT s.id, s.name, s.description, s.service_type, s.mcp_tool_def, e.content_hash
    FROM services s
    LEFT JOIN service_embeddings e ON e.service_id = s.id
    ${after === undefined ? sql`` : sql`WHERE s.id > ${after}`}
    ORDER BY s.id
    LIMIT ${limit}`;
}

/** The embedding queue for /metrics: services waiting to be (re)embedded, and the oldest one's age. */
export async function indexQueueBacklog(sql: Tx, cap: number): Promise<{ n: bigint; age: number | null } | undefined> {
  const [row] = await sql<{ n: bigint; age: number | null }[]>`
    SELECT count(*) AS n, extract(epoch FROM now() - min(enqueued_at))::float8 AS age
    FROM (SELECT enqueued_at FROM service_index_queue LIMIT ${cap}) queued`;
  return row;
}
