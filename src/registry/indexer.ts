import type { Clock } from "@/core/clock";
import { randomBase62 } from "@/core/ids";
import type { Logger } from "@/core/logger";
import type { Tx } from "@/db/client";
import { contentHash, documentText } from "./document";
import { toVectorLiteral, type Embedder } from "./embedding/embedder";
import { claimIndexJobs, completeIndexJobs, enqueueIndexing, failIndexJobs, servicesWithHashes, type CompletedJob } from "./index-queries";

// One pass of the indexing worker: claim queued services, embed those whose text changed, store.

export interface IndexCtx {
  sql: Tx;
  clock: Clock;
  log: Logger;
  embedder: Embedder;
}

export interface IndexPass {
  claimed: number;
  /** Sent to the embedder. */
  embedded: number;
  /** Already current: content_hash unchanged, no embedder call. */
  unchanged: number;
  failed: number;
}

/** A worker that dies mid-batch loses its lease after this; another worker then takes the jobs. */
const LEASE_MS = 60_000;
const BATCH = 32;

export async function indexPending(ctx: IndexCtx, options: { batch?: number } = {}): Promise<IndexPass> {
  const now = ctx.clock.now();
  const lease = randomBase62(16);
  const jobs = await claimIndexJobs(ctx.sql, { now, until: new Date(now.getTime() + LEASE_MS), lease, limit: options.batch ?? BATCH });
  if (jobs.length === 0) return { claimed: 0, embedded: 0, unchanged: 0, failed: 0 };

  const docs = jobs.map((j) => {
    const text = documentText(j);
    return { job: j, text, hash: contentHash(ctx.embedder.id, text) };
  });
  const stale = docs.filter((d) => d.hash !== d.job.content_hash);
  let vectors: Float32Array[];
  try {
    vectors = await ctx.embedder.embed(stale.map((d) => d.text));
    if (vectors.length !== stale.length) throw new Error(`the embedder returned ${vectors.length} vectors for ${stale.length} texts`);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    ctx.log.warn("embedding failed; the services stay queued and are retried with backoff", { services: jobs.length, embedder: ctx.embedder.id, err: message });
    await failIndexJobs(ctx.sql, lease, now, message);
    return { claimed: jobs.length, embedded: 0, unchanged: 0, failed: jobs.length };
  }
  const vectorOf = new Map(stale.map((d, i) => [d.job.service_id, toVectorLiteral(vectors[i]!)]));
  const completed: CompletedJob[] = docs.map((d) => {
    const vector = vectorOf.get(d.job.service_id);
    return { service_id: d.job.service_id, generation: d.job.generation, content_hash: d.hash, ...(vector === undefined ? {} : { vector }) };
  });
  await completeIndexJobs(ctx.sql, lease, completed);
  return { claimed: jobs.length, embedded: stale.length, unchanged: docs.length - stale.length, failed: 0 };
}

/**
 * Queues every service whose stored embedding is missing or was made from other text or by
 * another embedder: after a switch of EMBEDDING_MODEL, or rows written without the API (the
 * simulator, an import). Run when a worker starts; cheap (hashing only) when all is current.
 */
export async function queueStaleServices(ctx: Omit<IndexCtx, "clock">): Promise<number> {
  let after: string | undefined;
  let queued = 0;
  for (;;) {
    const rows = await servicesWithHashes(ctx.sql, after, 1000);
    if (rows.length === 0) return queued;
    const stale = rows.filter((r) => contentHash(ctx.embedder.id, documentText(r)) !== r.content_hash).map((r) => r.id);
    await enqueueIndexing(ctx.sql, stale);
    queued += stale.length;
    after = rows[rows.length - 1]!.id;
  }
}
