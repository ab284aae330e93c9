// The service registry (lld-backend.md §3.6). Resolution of a service id to its vendor is used by payments.
import type { Ctx } from "@/core/context";
import { findServiceTarget, type ServiceTarget } from "./queries";

export type { ServiceTarget };
export { registerRegistryRoutes } from "./routes";
export { startRegistryWorker } from "./worker";

export function resolveService(ctx: Pick<Ctx, "sql">, id: string): Promise<ServiceTarget | undefined> {
  return findServiceTarget(ctx.sql, id);
}
