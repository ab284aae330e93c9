import type { RegistryDeps } from "./deps";
import { indexPending, queueStaleServices, type IndexCtx } from "./indexer";
import { registryRuntime } from "./runtime";
import { createWaker } from "@/core/waker";

/**
 * Starts the indexing worker (embeddings off the request path); returns its stop function.
 * It drains the queue while there is work, then sleeps EMBEDDING_WORKER_INTERVAL_MS or until a
 * registration on this instance nudges it: a new service is searchable well within a second.
 * Registrations on other instances are found by the interval poll.
 */
export function startRegistryWorker(deps: RegistryDeps): () => Promise<void> {
  const runtime = registryRuntime(deps);
  const log = deps.logger.child({ worker: "registry-index" });
  const ctx: IndexCtx = { sql: deps.sql, clock: deps.clock, log, embedder: runtime.embedder };
  let stopped = false;
  const waker = createWaker(deps.config.EMBEDDING_WORKER_INTERVAL_MS);
  const unsubscribe = runtime.onNudge(() => waker.nudge());

  const loop = (async () => {
    try {
      const queued = await queueStaleServices(ctx);
      if (queued > 0) log.info("services queued for re-embedding", { queued, embedder: runtime.embedder.id });
    } catch (err) {
      log.error("could not check stored embeddings", { err });
    }
    while (!stopped) {
      waker.takeNudge();
      let busy = false;
      try {
        const pass = await indexPending(ctx);
        busy = pass.claimed > 0 && pass.failed === 0;
        if (pass.embedded > 0) log.debug("services embedded", { ...pass });
      } catch (err) {
        log.error("indexing pass failed", { err });
      }
      if (!busy && !waker.takeNudge() && !stopped) await waker.sleep();
    }
  })();

  return async () => {
    stopped = true;
    unsubscribe();
    waker.nudge();
    await loop;
  };
}
