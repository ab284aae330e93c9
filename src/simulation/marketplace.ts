import { AppError } from "@/core/errors";
import type { Ctx } from "@/db/context";
import { registerEndpointAs, type RegistryDeps } from "@/registry";
import { simActor, type SimVendor } from "./actors";
import { CATALOGUE, type CatalogueEntry } from "./catalogue";

// The simulated vendors register the catalogue through the registry's verb, as each vendor would
// with POST /v1/vendor/endpoints: validated by the same schema, queued for the embedding worker
// (nudged on commit), searchable once indexed. Registration is an upsert per (vendor, id), so a
// restart re-registers the same services and the worker, finding their text unchanged, embeds
// nothing again.

export interface SimService {
  id: string;
  vendor: SimVendor;
  price: bigint;
}

/** Each entry goes to a vendor of its service type when there is one, else round the vendors. */
function ownerOf(entry: CatalogueEntry, index: number, vendors: SimVendor[]): SimVendor {
  return vendors.find((v) => v.serviceType === entry.service_type) ?? vendors[index % vendors.length]!;
}

export async function registerCatalogue(deps: RegistryDeps, ctx: Ctx, vendors: SimVendor[]): Promise<SimService[]> {
  if (vendors.length === 0) return [];
  const services: SimService[] = [];
  for (const [index, entry] of CATALOGUE.entries()) {
    const vendor = ownerOf(entry, index, vendors);
    const { route, tools, ...fields } = entry;
    try {
      await registerEndpointAs(deps, { ...ctx, actor: simActor(vendor.id, "operator") }, {
        ...fields,
        gateway_url: `https://sim-vendor-${vendor.id}.simulated.machpay${route}`,
        mcp_tool_def: { tools },
      });
      services.push({ id: entry.id, vendor, price: BigInt(entry.price_atomic) });
    } catch (err) {
      // Another account holds the id (a run with more vendors gave it to another one): leave it there.
      if (!(err instanceof AppError && err.code === "service_id_taken")) throw err;
      ctx.log.debug("simulated service id held by another vendor", { id: entry.id });
    }
  }
  return services;
}
