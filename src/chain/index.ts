// Solana: deposits, the vault indexer, payout settlement, endpoint PDA proofs (lld-backend.md §4).
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppDeps } from "@/http/deps";
import type { HonoEnv } from "@/http/env";

export function registerChainRoutes(_router: OpenAPIHono<HonoEnv>, _deps: AppDeps) {}

/** Starts the vault indexer and the settlement worker; returns their stop function. */
export function startChainWorkers(_deps: AppDeps): () => Promise<void> {
  return async () => {};
}
