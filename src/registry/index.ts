// The service registry (lld-backend.md §3.6). Resolution of a service id to its vendor is used by payments.
import { BACKLOG_COUNT_CAP, readingOf, type BacklogProbe } from "@/http/backlog-metrics";
import { indexQueueBacklog } from "./index-queries";
import type { Ctx } from "@/db/context";
import { findServiceTarget, type ServiceTarget } from "./queries";

export type { ServiceTarget };
export type { PdaVerifier } from "./ports";
export type { Embedder } from "./embedding/embedder";
export { createEmbedder } from "./embedding/embedder";
import type { Module, Runs } from "@/http/module";
import { newRouter } from "@/http/router";
import type { RegistryDeps } from "./deps";
import { registerRegistryRoutes } from "./routes";
import { startRegistryWorker } from "./worker";
import { pdaVerifierOf, registryRuntime } from "./runtime";
import { RegisterEndpointSchema } from "./schemas";
import { registerEndpoint } from "./service";
import type { ServiceRow } from "./queries";

export type { RegistryDeps } from "./deps";
export { startRegistryWorker } from "./worker";

/** Vendor endpoints and the marketplace search, and (as a worker) their indexing. */
export function registryModule(deps: RegistryDeps): Module & Runs {
  const router = newRouter();
  registerRegistryRoutes(router, deps);
  return { router, start: () => startRegistryWorker(deps) };
}

export { indexPending, queueStaleServices } from "./indexer";
export { registryRuntime } from "./runtime";
export { ServiceSchema, ServiceSearchResultSchema, VendorEndpointSchema, ServiceIdSchema, McpToolSchema, type ServiceDTO, type McpToolsList } from "./schemas";
export { searchMarketplace, resolveServiceDTO, listMarketplace, type MarketplaceHit, type MarketplaceSearch, type MarketplaceQuery } from "./marketplace";

/**
 * Registers (or re-registers) an endpoint for `ctx`'s vendor exactly as POST /v1/vendor/endpoints
 * does, for callers without HTTP (the simulator's catalogue): the body is validated by the same
 * schema, and this instance's indexing worker is nudged once it is committed.
 */
export function registerEndpointAs(deps: RegistryDeps, ctx: Ctx, body: unknown): Promise<{ row: ServiceRow; created: boolean }> {
  const runtime = registryRuntime(deps);
  const registryCtx = { ...ctx, defaultMint: deps.config.USDC_MINT, pdaVerifier: pdaVerifierOf(deps), afterWrite: () => runtime.nudge() };
  return registerEndpoint(registryCtx, RegisterEndpointSchema.parse(body));
}

export function resolveService(ctx: Pick<Ctx, "sql">, id: string): Promise<ServiceTarget | undefined> {
  return findServiceTarget(ctx.sql, id);
}

/** The embedding queue on /metrics (worker="embedding"): service_index_queue. */
export const embeddingBacklog: BacklogProbe = { worker: "embedding", read: async (sql) => readingOf(await indexQueueBacklog(sql, BACKLOG_COUNT_CAP)) };
