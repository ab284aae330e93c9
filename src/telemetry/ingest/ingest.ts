import { Registry } from "prom-client";
import type { Config } from "@/config";
import type { Clock } from "@/core/clock";
import { AppError } from "@/core/errors";
import type { Logger } from "@/core/logger";
import type { Sql } from "@/db/client";
import type { Entry } from "./entry";
import { createBatchWriter } from "./flush";
import { createIngestMetrics, type IngestMetrics } from "./metrics";
import { checkStorable, parseAgentBody, parseGatewayBody } from "./parse";
import { WriteQueue } from "./queue";
import { agentPacketEntry, gatewayEventEntry, gatewayPacketEntry } from "./rows";

// The ingest path without HTTP: validation, then the bounded queue. The receiver's routes call it
// with the sender their credential proved; the simulator calls it in process with its own actors,
// so both go through the same checks and the same writer.

export interface IngestDeps {
  config: Pick<
    Config,
    "USDC_MINT" | "RECEIVER_QUEUE_MAX_EVENTS" | "RECEIVER_QUEUE_MAX_BYTES" | "RECEIVER_FLUSH_EVENTS" | "RECEIVER_FLUSH_INTERVAL_MS" | "RECEIVER_FLUSH_CONCURRENCY"
  >;
  sql: Sql;
  clock: Clock;
  logger: Logger;
}

export interface IngestResult {
  /** Events (or packets) queued for writing. */
  accepted: number;
  kind: "events" | "packet" | "agent_packets";
}

/**
 * Bodies are JSON values (what JSON.parse gives: no bigint, Date or undefined). `decoded`: the body
 * came from decodeJson, its strings already checked; in-process callers leave it out.
 */
export interface SubmitOptions {
  decoded?: boolean;
}

export interface Ingest {
  /** A gateway body (a CloudEvents batch, or a deep packet) from the vendor `vendorId`. Throws AppError 400 or 429. */
  submitGateway(vendorId: bigint, body: unknown, options?: SubmitOptions): IngestResult;
  /** An SDK body (one agent.telemetry CloudEvent, or an array of them) from the agent `agentId`. Throws AppError 400 or 429. */
  submitAgent(agentId: bigint, body: unknown, options?: SubmitOptions): IngestResult;
  queue: WriteQueue;
  metrics: IngestMetrics;
  /** Writes what is queued (shutdown), giving up after `timeoutMs`; logs and counts what it gave up. */
  drain(timeoutMs: number): Promise<void>;
}

export function createIngest(deps: IngestDeps, registry: Registry = new Registry()): Ingest {
  const { config } = deps;
  let queue: WriteQueue | undefined;
  const metrics = createIngestMetrics(registry, () => queue?.depth() ?? { events: 0, bytes: 0 });
  queue = new WriteQueue(
    {
      maxEvents: config.RECEIVER_QUEUE_MAX_EVENTS,
      maxBytes: config.RECEIVER_QUEUE_MAX_BYTES,
      flushEvents: config.RECEIVER_FLUSH_EVENTS,
      flushIntervalMs: config.RECEIVER_FLUSH_INTERVAL_MS,
      concurrency: config.RECEIVER_FLUSH_CONCURRENCY,
    },
    createBatchWriter({ sql: deps.sql, logger: deps.logger, usdcMint: config.USDC_MINT, metrics }),
  );
  const q = queue;

  const counted = <T>(events: number, parse: () => T): T => {
    try {
      return parse();
    } catch (err) {
      if (err instanceof AppError) {
        metrics.requestsRejected.inc({ reason: "invalid" });
        metrics.rejected.inc({ reason: "invalid" }, events);
      }
      throw err;
    }
  };

  const enqueue = (route: "gateway" | "agent", entries: Entry[], kind: IngestResult["kind"]): IngestResult => {
    if (!q.offer(entries)) {
      metrics.requestsRejected.inc({ reason: "queue_full" });
      metrics.rejected.inc({ reason: "queue_full" }, entries.length);
      const retryAfter = q.retryAfterSeconds();
      throw new AppError("ingest_queue_full", `the receiver's write queue is full; nothing of this request was taken: retry in ${retryAfter} s`, {
        headers: { "Retry-After": String(retryAfter) },
        details: { retry_after_seconds: retryAfter },
      });
    }
    metrics.accepted.inc({ route }, entries.length);
    return { accepted: entries.length, kind };
  };

  return {
    queue: q,
    metrics,
    submitGateway(vendorId, body, options = {}) {
      const now = deps.clock.now();
      const parsed = counted(Array.isArray(body) ? body.length : 1, () => {
        if (!options.decoded) checkStorable(body);
        return parseGatewayBody(body, now);
      });
      const receivedAt = now.toISOString();
      if (parsed.kind === "packet") return enqueue("gateway", [gatewayPacketEntry(vendorId, parsed.packet, receivedAt)], "packet");
      return enqueue("gateway", parsed.events.map((e) => gatewayEventEntry(vendorId, e, receivedAt)), "events");
    },
    submitAgent(agentId, body, options = {}) {
      const now = deps.clock.now();
      const parsed = counted(Array.isArray(body) ? body.length : 1, () => {
        if (!options.decoded) checkStorable(body);
        return parseAgentBody(body, now);
      });
      const receivedAt = now.toISOString();
      return enqueue("agent", parsed.map((e) => agentPacketEntry(agentId, e, receivedAt)), "agent_packets");
    },
    async drain(timeoutMs) {
      const given = await q.drain(timeoutMs);
      if (given > 0) {
        metrics.dropped.inc({ reason: "shutdown" }, given);
        deps.logger.error("telemetry not written before shutdown; dropped", { events: given });
      }
    },
  };
}
