import type { Ctx } from "@/db/context";
import type { RegistryDeps } from "./deps";
import { toServiceDTO } from "./dto";
import type { Cheapness } from "./price-words";
import type { ServiceFilter } from "./queries";
import { registryRuntime } from "./runtime";
import type { ServiceDTO } from "./schemas";
import { searchServices } from "./search";
import { getService, listServices } from "./service";

// The marketplace as agents see it, whichever door they come through: the REST routes
// (/v1/services...) and the MCP tools and resources (src/mcp) call these same verbs, so search,
// resolution and listing answer alike over both.

export interface MarketplaceHit extends ServiceDTO {
  score: number;
  /** Rank by meaning (embedding) and by words (full text); null where the service did not place. */
  semantic_rank: number | null;
  text_rank: number | null;
}

export interface MarketplaceSearch {
  hits: MarketplaceHit[];
  /** The ceiling applied (the filter, or a lower one the query's price words named). */
  maxPriceAtomic: bigint | undefined;
  cheapness: Cheapness;
}

export interface MarketplaceQuery {
  q: string;
  limit: number;
  maxPriceAtomic?: bigint | undefined;
  serviceType?: string | undefined;
}

/** Natural-language search over active services, best first (search.ts). */
export async function searchMarketplace(deps: RegistryDeps, ctx: Pick<Ctx, "sql" | "log">, query: MarketplaceQuery): Promise<MarketplaceSearch> {
  // The runtime is per deps object: the routes, the worker and the MCP tools share its query cache.
  const runtime = registryRuntime(deps);
  const found = await searchServices(
    { sql: ctx.sql, log: ctx.log, embedQuery: (text) => runtime.embedQuery(text), decimals: deps.config.USDC_DECIMALS },
    query,
  );
  return {
    hits: found.hits.map((h) => ({ ...toServiceDTO(h.row), score: h.score, semantic_rank: h.semanticRank, text_rank: h.textRank })),
    maxPriceAtomic: found.maxPriceAtomic,
    cheapness: found.cheapness,
  };
}

/** An active service by its public id, as agents resolve it (404 service_not_found otherwise). */
export async function resolveServiceDTO(ctx: Pick<Ctx, "sql">, id: string): Promise<ServiceDTO> {
  return toServiceDTO(await getService(ctx, id));
}

/** Active services by id, a page at a time. */
export async function listMarketplace(
  ctx: Pick<Ctx, "sql">,
  input: ServiceFilter & { limit: number; cursor?: string | undefined },
): Promise<{ services: ServiceDTO[]; next: string | null }> {
  const page = await listServices(ctx, input);
  return { services: page.rows.map(toServiceDTO), next: page.next };
}
