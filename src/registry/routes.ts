import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { access } from "@/http/guards";
import { AtomicAmountSchema } from "@/core/number-schemas";
import { ctxOf, mayLagCtxOf } from "@/http/context";
import type { RegistryDeps } from "./deps";
import type { HonoEnv } from "@/http/env";
import { errorsFor, jsonBody, jsonContent } from "@/http/route-helpers";
import { toVendorEndpointDTO } from "./dto";
import type { RegistryCtx } from "./ports";
import { pdaVerifierOf, registryRuntime } from "./runtime";
import {
  RegisterEndpointSchema,
  ServiceIdSchema,
  ServiceSchema,
  ServiceSearchResultSchema,
  UpdateEndpointSchema,
  VendorEndpointListSchema,
  VendorEndpointSchema,
} from "./schemas";
import { listMarketplace, resolveServiceDTO, searchMarketplace } from "./marketplace";
import { deactivateEndpoint, getMyEndpoint, listMyEndpoints, registerEndpoint, updateEndpoint } from "./service";

// Vendor endpoint registration and the public services API (lld-backend.md §3.6, §7.1, §7.4).

const operator = access.role("operator");
const idParam = z.object({ id: ServiceIdSchema.openapi({ param: { name: "id", in: "path" } }) });
const limitQuery = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);
const maxPriceQuery = AtomicAmountSchema.optional().openapi({ description: "Only services priced at most this, in atomic units" });

const registerRoute = createRoute({
  method: "post",
  path: "/v1/vendor/endpoints",
  operationId: "registerEndpoint",
  tags: ["registry"],
  summary: "Register an endpoint (service), or update it: idempotent per vendor and service id",
  description:
    "201 when created, 200 when the caller already had this id (updated and re-activated). 409 service_id_taken when another vendor has it. " +
    "With tx_signature and pda_address the on-chain proof is checked first (503 chain_unavailable when it cannot be). " +
    "The service is searchable by meaning within a second (index_status turns to indexed).",
  ...operator,
  request: { body: jsonBody(RegisterEndpointSchema) },
  responses: {
    200: jsonContent("Updated", VendorEndpointSchema),
    201: jsonContent("Created", VendorEndpointSchema),
    ...errorsFor(400, 401, 403, 409, 503),
  },
});

const listMineRoute = createRoute({
  method: "get",
  path: "/v1/vendor/endpoints",
  operationId: "listEndpoints",
  tags: ["registry"],
  summary: "The caller's registered endpoints, inactive ones included, by id",
  ...operator,
  request: { query: z.object({ limit: limitQuery(200, 50), cursor: z.string().max(200).optional() }) },
  responses: { 200: jsonContent("A page of endpoints", VendorEndpointListSchema), ...errorsFor(400, 401, 403) },
});

const getMineRoute = createRoute({
  method: "get",
  path: "/v1/vendor/endpoints/{id}",
  operationId: "getEndpoint",
  tags: ["registry"],
  summary: "One of the caller's endpoints",
  ...operator,
  request: { params: idParam },
  responses: { 200: jsonContent("The endpoint", VendorEndpointSchema), ...errorsFor(400, 401, 403, 404) },
});

const updateRoute = createRoute({
  method: "put",
  path: "/v1/vendor/endpoints/{id}",
  operationId: "updateEndpoint",
  tags: ["registry"],
  summary: "Replace an endpoint's fields (is_active optional)",
  ...operator,
  request: { params: idParam, body: jsonBody(UpdateEndpointSchema) },
  responses: { 200: jsonContent("Updated", VendorEndpointSchema), ...errorsFor(400, 401, 403, 404, 503) },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/v1/vendor/endpoints/{id}",
  operationId: "deleteEndpoint",
  tags: ["registry"],
  summary: "Deactivate an endpoint: gone from listings, resolution and search; the id stays yours (re-register to re-activate)",
  ...operator,
  request: { params: idParam },
  responses: { 204: { description: "Deactivated" }, ...errorsFor(400, 401, 403, 404) },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/services",
  operationId: "listServices",
  tags: ["registry"],
  summary: "Active services by id; the next page's cursor is in the X-Next-Cursor header",
  ...access.public(),
  request: {
    query: z.object({
      service_type: z.string().min(1).max(50).optional(),
      max_price_atomic: maxPriceQuery,
      limit: limitQuery(200, 50),
      cursor: z.string().max(200).optional(),
    }),
  },
  responses: {
    200: {
      ...jsonContent("Services", z.array(ServiceSchema)),
      headers: z.object({ "X-Next-Cursor": z.string().optional().openapi({ description: "Pass as ?cursor= for the next page; absent on the last page" }) }),
    },
    ...errorsFor(400),
  },
});

const searchRoute = createRoute({
  method: "get",
  path: "/v1/services/search",
  operationId: "searchServices",
  tags: ["registry"],
  summary: "Natural-language search over active services, best first",
  ...access.public(),
  description:
    "Fuses semantic (embedding) and full-text rankings. Price words in q are understood: " +
    '"free"; "under 0.01 USDC", "below $0.005", "less than 5000 atomic", "at most 2 cents" (ceilings); ' +
    '"cheap", "affordable" (prefer cheaper relevant services); "cheapest" (relevant services, cheapest first).',
  request: {
    query: z.object({
      q: z.string().trim().min(1).max(500).openapi({ example: "a cheap LLM for summarising text" }),
      limit: limitQuery(200, 10),
      max_price_atomic: maxPriceQuery,
      service_type: z.string().min(1).max(50).optional().openapi({ description: "Only services of this type (e.g. inference-llm)" }),
    }),
  },
  responses: { 200: jsonContent("Matching services with their score", z.array(ServiceSearchResultSchema)), ...errorsFor(400) },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/services/{id}",
  operationId: "getService",
  tags: ["registry"],
  summary: "Resolve a service id to its gateway: URL, public key, price and token mint",
  ...access.public(),
  request: { params: idParam },
  responses: { 200: jsonContent("The service", ServiceSchema), ...errorsFor(400, 404) },
});

export function registerRegistryRoutes(router: OpenAPIHono<HonoEnv>, deps: RegistryDeps) {
  const registryCtx = (c: Context<HonoEnv>): RegistryCtx => {
    const runtime = registryRuntime(deps);
    return { ...ctxOf(deps, c), defaultMint: deps.config.USDC_MINT, pdaVerifier: pdaVerifierOf(deps), afterWrite: () => runtime.nudge() };
  };
  const logService = (c: Context<HonoEnv>, id: string) => c.set("logFields", { ...c.get("logFields"), service_id: id });

  router.openapi(registerRoute, async (c) => {
    const { row, created } = await registerEndpoint(registryCtx(c), c.req.valid("json"));
    logService(c, row.id);
    return created ? c.json(toVendorEndpointDTO(row), 201) : c.json(toVendorEndpointDTO(row), 200);
  });
  router.openapi(listMineRoute, async (c) => {
    const page = await listMyEndpoints(ctxOf(deps, c), c.req.valid("query"));
    return c.json({ data: page.rows.map(toVendorEndpointDTO), next_cursor: page.next }, 200);
  });
  router.openapi(getMineRoute, async (c) => c.json(toVendorEndpointDTO(await getMyEndpoint(ctxOf(deps, c), c.req.valid("param").id)), 200));
  router.openapi(updateRoute, async (c) => {
    const { id } = c.req.valid("param");
    logService(c, id);
    return c.json(toVendorEndpointDTO(await updateEndpoint(registryCtx(c), id, c.req.valid("json"))), 200);
  });
  router.openapi(deleteRoute, async (c) => {
    const { id } = c.req.valid("param");
    logService(c, id);
    await deactivateEndpoint(ctxOf(deps, c), id);
    return c.body(null, 204);
  });

  router.openapi(listRoute, async (c) => {
    const q = c.req.valid("query");
    // The marketplace's listing and search may lag (a replica); GET /v1/services/{id} reads the primary.
    const page = await listMarketplace(mayLagCtxOf(deps, c), {
      serviceType: q.service_type,
      maxPriceAtomic: q.max_price_atomic === undefined ? undefined : BigInt(q.max_price_atomic),
      limit: q.limit,
      cursor: q.cursor,
    });
    if (page.next) c.header("X-Next-Cursor", page.next);
    return c.json(page.services, 200);
  });
  // Before /v1/services/{id}, which would otherwise take "search" for an id.
  router.openapi(searchRoute, async (c) => {
    const q = c.req.valid("query");
    const found = await searchMarketplace(deps, mayLagCtxOf(deps, c), {
      q: q.q,
      limit: q.limit,
      maxPriceAtomic: q.max_price_atomic === undefined ? undefined : BigInt(q.max_price_atomic),
      serviceType: q.service_type,
    });
    return c.json(found.hits.map(({ semantic_rank: _s, text_rank: _t, ...hit }) => hit), 200);
  });
  router.openapi(getRoute, async (c) => c.json(await resolveServiceDTO(ctxOf(deps, c), c.req.valid("param").id), 200));
}
