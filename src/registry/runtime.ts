import type { RegistryDeps } from "./deps";
import { createEmbedder, type Embedder } from "./embedding/embedder";
import type { PdaVerifier } from "./ports";

// What the registry's routes and worker share within one process: the embedder, a cache of
// query embeddings, and the nudge that wakes the worker right after a registration commits.
// Kept per deps object (RegistryDeps has no registry fields), so tests and main.ts, which hand the
// same deps to createApp and startRegistryWorker, get one runtime.

/** An optional port a composition root may add to RegistryDeps: another embedder than the configured one. */
export interface RegistryDepsExtensions {
  embedder?: Embedder;
}

export interface RegistryRuntime {
  embedder: Embedder;
  /** Embeds a search query, remembering recent ones (repeated queries are common and embedding costs a call). */
  embedQuery(text: string): Promise<Float32Array>;
  nudge(): void;
  /** Subscribes to nudges; returns the unsubscribe function. */
  onNudge(listener: () => void): () => void;
}

const QUERY_CACHE_SIZE = 1000;
const runtimes = new WeakMap<RegistryDeps, RegistryRuntime>();

/** Read per request: a test or a composition root may attach the chain's verifier after start. */
export function pdaVerifierOf(deps: RegistryDeps): PdaVerifier | undefined {
  return deps.pdaVerifier;
}

export function registryRuntime(deps: RegistryDeps): RegistryRuntime {
  let runtime = runtimes.get(deps);
  if (!runtime) {
    runtime = createRuntime((deps as RegistryDeps & RegistryDepsExtensions).embedder ?? createEmbedder(deps.config));
    runtimes.set(deps, runtime);
  }
  return runtime;
}

function createRuntime(embedder: Embedder): RegistryRuntime {
  const listeners = new Set<() => void>();
  // Insertion-ordered Map as an LRU: a hit is moved to the end, the oldest entry is evicted.
  const cache = new Map<string, Float32Array>();
  return {
    embedder,
    async embedQuery(text) {
      const hit = cache.get(text);
      if (hit) {
        cache.delete(text);
        cache.set(text, hit);
        return hit;
      }
      const [vector] = await embedder.embed([text]);
      cache.set(text, vector!);
      if (cache.size > QUERY_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      return vector!;
    },
    nudge() {
      for (const listener of listeners) listener();
    },
    onNudge(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
