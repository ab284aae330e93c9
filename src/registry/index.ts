// The service registry (lld-backend.md §3.6). Resolution of a service id to its vendor is used by payments.
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

export function resolveService(ctx: Pick<Ctx, "sql">, id: string): Promise<ServiceTarget | undefined> {
  return findServiceTarget(ctx.sql, id);
}
