import * as v from "valibot";
import type { Logger } from "@/core/logger";
import { isDatabaseUnavailable, type Sql } from "@/db/client";
import { createFanout, eventJson, type Broker, type BrokerEvent } from "./broker";
import type { BrokerMetrics } from "./metrics";
import { appendEvents, eventsAfter, eventsBetween, lastEventId, pruneEvents, topicHistory, type EventRow } from "./queries";

export const EVENTS_CHANNEL = "machpay_events";
// NOTIFY refuses payloads of 8000 bytes or more; beyond this, listeners read the rows instead.
const NOTIFY_INLINE_BYTES = 7900;
const FLUSH_BATCH = 500;
// Publishing never waits on the database: past this many unsent events, new ones are dropped.
const MAX_PENDING = 10_000;
const POLL_MS = 2000;
const PRUNE_MS = 60_000;
const RETAIN_MS = 3600_000;
const RETAIN_ROWS = 200_000;

// What a NOTIFY carries: the events themselves, or the id range to read from realtime_events.
// `t`: when the publishing transaction began (epoch ms), for the delivery lag on /metrics; absent
// from an older instance's notifications.
const SentAt = v.optional(v.number());
const NotifySchema = v.union([
  v.object({ e: v.array(v.tuple([v.pipe(v.string(), v.digits()), v.string(), v.string(), v.unknown()])), t: SentAt }),
  v.object({ r: v.tuple([v.pipe(v.string(), v.digits()), v.pipe(v.string(), v.digits())]), t: SentAt }),
]);

const toEvent = (r: EventRow): BrokerEvent => ({ id: r.id.toString(), topic: r.topic, type: r.type, data: r.data });

function notifyPayload(rows: EventRow[], t: number): string {
  const inline = eventJson({ e: rows.map((r) => [r.id, r.topic, r.type, r.data]), t });
  if (Buffer.byteLength(inline) < NOTIFY_INLINE_BYTES) return inline;
  return JSON.stringify({ r: [rows[0]!.id.toString(), rows[rows.length - 1]!.id.toString()], t });
}

/** Stores events and announces them, stamped with when the transaction began (the delivery lag's start). */
function append(sql: Sql, events: unknown[]) {
  const t = Date.now();
  return appendEvents(sql, EVENTS_CHANNEL, eventJson(events), (rows) => notifyPayload(rows, t));
}

/**
 * Every instance's broker over one database: published events are rows (ids and history shared
 * by all instances) announced by NOTIFY on a dedicated LISTEN connection. Notifications are lost
 * while that connection is down, so every (re)connect, and a slow poll besides, re-reads the rows
 * after the last id delivered here. All incoming work runs on one promise chain, in id order.
 */
export function createPostgresBroker(
  sql: Sql,
  options: { historySize: number; logger: Logger; metrics?: (pending: () => number) => BrokerMetrics },
): Broker {
  const log = options.logger.child({ component: "broker" });
  const fanout = createFanout((err) => log.error("event listener failed", { err }));
  let lastSeen: bigint | null = null;
  let chain: Promise<void> = Promise.resolve();
  let closed = false;
  const pending: { topic: string; type: string; data: unknown }[] = [];
  let flushing: Promise<void> | null = null;
  let dropped = 0;
  let unlisten: (() => Promise<void>) | undefined;
  const metrics = options.metrics?.(() => pending.length);

  const serial = (work: () => Promise<void> | void) => {
    chain = chain.then(work).catch((err) => log.error("broker delivery failed", { err }));
    return chain;
  };
  const deliver = (rows: EventRow[]) => {
    for (const r of rows) {
      if (lastSeen !== null && r.id <= lastSeen) continue;
      lastSeen = r.id;
      fanout.deliver(toEvent(r));
    }
  };
  // Set when a query of ours found the database away (a restart, a failover): postgres.js re-LISTENs
  // when its connection closes, but drops the channel for good if that one attempt fails (no
  // primary within connect_timeout), and nothing says so. So after an outage the LISTEN is made
  // again, on whichever server is the primary now.
  let outage = false;
  const resync = async () => {
    if (lastSeen === null || closed) return;
    try {
      for (;;) {
        const rows = await eventsAfter(sql, lastSeen, 1000);
        deliver(rows);
        if (rows.length < 1000) break;
      }
    } catch (err) {
      if (isDatabaseUnavailable(err)) outage = true;
      throw err;
    }
    if (outage) {
      outage = false;
      void relisten();
    }
  };
  const onNotify = (payload: string) =>
    serial(async () => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(payload);
      } catch {
        parsed = undefined;
      }
      const message = v.safeParse(NotifySchema, parsed);
      if (!message.success) return log.warn("ignored a malformed event notification");
      if (message.output.t !== undefined) metrics?.delivered((Date.now() - message.output.t) / 1000);
      if ("e" in message.output) {
        deliver(message.output.e.map(([id, topic, type, data]) => ({ id: BigInt(id), topic, type, data })));
      } else {
        const [from, to] = message.output.r;
        // Anything between the last id seen and this range was missed: read it too.
        const start = lastSeen !== null && lastSeen < BigInt(from) ? lastSeen + 1n : BigInt(from);
        deliver(await eventsBetween(sql, start, BigInt(to)));
      }
    });

  const listen = async (attempt = 0): Promise<void> => {
    if (closed) return;
    try {
      if (lastSeen === null) lastSeen = await lastEventId(sql);
      const handle = await sql.listen(EVENTS_CHANNEL, onNotify, () => void serial(resync));
      unlisten = handle.unlisten;
    } catch (err) {
      const delay = Math.min(30_000, 500 * 2 ** attempt);
      log.warn("LISTEN failed; retrying", { err, retry_in_ms: delay });
      setTimeout(() => void listen(attempt + 1), delay).unref?.();
    }
  };
  void listen();

  const relisten = async () => {
    const previous = unlisten;
    unlisten = undefined;
    await previous?.().catch(() => undefined);
    // An event this instance saw committed on a primary that died before its standby had it is
    // gone, and the new primary may hand its id out again: never skip ids the database now holds.
    await serial(async () => {
      const top = await lastEventId(sql);
      if (lastSeen !== null && top < lastSeen) lastSeen = top;
    });
    await listen();
  };

  const poll = setInterval(() => void serial(resync), POLL_MS);
  const prune = setInterval(() => {
    pruneEvents(sql, new Date(Date.now() - RETAIN_MS), RETAIN_ROWS).catch((err) => log.warn("pruning events failed", { err }));
  }, PRUNE_MS);
  poll.unref?.();
  prune.unref?.();

  const flush = async () => {
    while (pending.length > 0) {
      const batch = pending.splice(0, FLUSH_BATCH);
      try {
        await append(sql, batch);
      } catch (err) {
        log.error("publishing events failed; dropped", { err, events: batch.length });
        metrics?.dropped(batch.length);
        if (closed) return;
      }
    }
  };
  const scheduleFlush = () => {
    flushing ??= flush().finally(() => {
      flushing = null;
      if (pending.length > 0 && !closed) scheduleFlush();
    });
  };

  return {
    publish(topic, type, data, publishOptions) {
      if (publishOptions?.ephemeral) {
        fanout.deliver({ id: (lastSeen ?? 0n).toString(), topic, type, data, ephemeral: true });
        return;
      }
      if (closed) return;
      if (pending.length >= MAX_PENDING) {
        metrics?.dropped(1);
        if (dropped++ % 1000 === 0) log.warn("event backlog full; dropping events", { dropped });
        return;
      }
      pending.push({ topic, type, data });
      // Events published in the same tick go out in one transaction and one NOTIFY.
      if (!flushing) queueMicrotask(scheduleFlush);
    },
    async publishNow(events) {
      if (closed) throw new Error("the broker is closed");
      for (let i = 0; i < events.length; i += FLUSH_BATCH) {
        await append(sql, events.slice(i, i + FLUSH_BATCH));
      }
    },
    subscribe: fanout.subscribe,
    async history(topics, afterId) {
      const after = BigInt(afterId);
      const perTopic = await Promise.all([...new Set(topics)].map((t) => topicHistory(sql, t, after, options.historySize)));
      return perTopic
        .flat()
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .map(toEvent);
    },
    lastId: () => (lastSeen === null ? null : lastSeen.toString()),
    async close() {
      if (closed) return;
      await flushing;
      closed = true;
      clearInterval(poll);
      clearInterval(prune);
      await unlisten?.().catch(() => {});
      await chain;
      fanout.clear();
    },
  };
}
