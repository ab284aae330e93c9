import type { Clock } from "@/core/clock";
import type { Logger } from "@/core/logger";
import type { Sql } from "@/db/client";
import { touchKeys } from "./queries/api-keys";

/**
 * Collects the ids of API keys used since the last flush and writes last_used_at in one
 * statement every interval, so authentication never writes on the request path.
 */
export interface KeyUsage {
  mark(id: bigint): void;
  flush(): Promise<void>;
  start(intervalMs: number): void;
  stop(): Promise<void>;
}

export function createKeyUsage(sql: Sql, clock: Clock, logger: Logger): KeyUsage {
  let pending = new Set<bigint>();
  let timer: ReturnType<typeof setInterval> | undefined;
  const flush = async () => {
    if (pending.size === 0) return;
    const ids = [...pending];
    pending = new Set();
    try {
      await touchKeys(sql, ids, clock.now());
    } catch (err) {
      // last_used_at is advisory: keep the ids for the next flush rather than fail a request.
      for (const id of ids) pending.add(id);
      logger.warn("api key last_used_at flush failed", { err });
    }
  };
  return {
    mark: (id) => void pending.add(id),
    flush,
    start(intervalMs) {
      timer ??= setInterval(() => void flush(), intervalMs);
      timer.unref?.();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await flush();
    },
  };
}
