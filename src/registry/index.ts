// The service registry (lld-backend.md §3.6). Resolution of a service id to its vendor is used by payments.
import type { Ctx } from "@/core/context";
import { findServiceTarget, type ServiceTarget } from "./queries";

export type { ServiceTarget };
export type { PdaVerifier } from "./ports";
export type { Embedder } from "./embedding/embedder";
export { createEmbedder } from "./embedding/embedder";
export { registerRegistryRoutes } from "./routes";
export { startRegistryWorker } from "./worker";
export { indexPending, queueStaleServices } from "./indexer";
export { registryRuntime } from "./runtime";
export { ServiceSchema, ServiceSearchResultSchema, VendorEndpointSchema, type ServiceDTO } from "./schemas";

export function resolveService(ctx: Pick<Ctx, "sql">, id: string): Promise<ServiceTarget | undefined> {
  return findServiceTarget(ctx.sql, id);
}
