import type { Ctx } from "@/db/context";
import { AppError } from "@/core/errors";
import { withTransaction } from "@/db/transaction";
import { decodeCursor, encodeCursor } from "./dto";
import { enqueueIndexing } from "./index-queries";
import type { PdaVerifier, RegistryCtx } from "./ports";
import {
  deactivateOwnService,
  findActiveService,
  findOwnService,
  listActiveServices,
  listOwnServices,
  serviceIdExists,
  updateOwnService,
  upsertService,
  type ServiceFilter,
  type ServiceRow,
  type ServiceWrite,
  type VendorServiceRow,
} from "./queries";
import type { RegisterEndpointBody, UpdateEndpointBody } from "./schemas";

// Registration verbs (lld-backend.md §3.6, contract.md "Discovery"): a vendor owns the services
// it registers; ids are public and first come, first served.

function vendorIdOf(ctx: Ctx): bigint {
  if (ctx.actor.kind !== "user") throw new AppError("unauthorized", "sign in first");
  return ctx.actor.userId;
}

const idTaken = (id: string) =>
  new AppError("service_id_taken", `the service id "${id}" belongs to another vendor; choose another id`, { details: { id } });

const serviceNotFound = (id: string) => new AppError("service_not_found", `no service with id "${id}"`, { details: { id } });

async function verifyProof(ctx: RegistryCtx, body: { tx_signature?: string | undefined; pda_address?: string | undefined }) {
  if (body.tx_signature === undefined || body.pda_address === undefined) return;
  if (!ctx.pdaVerifier) {
    throw new AppError("chain_unavailable", "the on-chain proof (tx_signature, pda_address) cannot be checked on this server; retry later or register without it");
  }
  let result: Awaited<ReturnType<PdaVerifier>>;
  try {
    result = await ctx.pdaVerifier({ pdaAddress: body.pda_address, txSignature: body.tx_signature });
  } catch (err) {
    if (err instanceof AppError) throw err;
    ctx.log.warn("endpoint PDA proof could not be checked", { err });
    throw new AppError("chain_unavailable", "the Solana RPC could not be reached to check the proof; retry later");
  }
  if (!result.ok) {
    throw new AppError(result.code, result.message, {
      details: { pda_address: body.pda_address, tx_signature: body.tx_signature },
    });
  }
}

function writeOf(ctx: RegistryCtx, vendorId: bigint, id: string, body: RegisterEndpointBody | UpdateEndpointBody): ServiceWrite {
  // The schema let through exactly one of the two prices, as atomic units.
  const price = body.price_atomic ?? body.min_price!;
  return {
    id,
    vendor_id: vendorId,
    name: body.name,
    description: body.description,
    service_type: body.service_type,
    gateway_url: body.gateway_url,
    gateway_pubkey: body.gateway_pubkey ?? null,
    price_atomic: BigInt(price),
    token_mint: body.token_mint ?? ctx.defaultMint,
    mcp_tool_def: body.mcp_tool_def ?? null,
    pda_address: body.pda_address ?? null,
    tx_signature: body.tx_signature ?? null,
  };
}

/** "GPT-4 Turbo (EU)" -> "gpt-4-turbo-eu". */
export function slugOf(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 56)
    .replace(/-+$/, "");
  return slug || "service";
}

/**
 * Registers or re-registers an endpoint. Idempotent per (vendor, id): the same vendor posting
 * the same id updates it. Without an id, the name's slug is used, or "<slug>-2", "<slug>-3"...
 * when another vendor holds it, so the same vendor re-posting the same name lands on the same
 * service again.
 */
export async function registerEndpoint(ctx: RegistryCtx, body: RegisterEndpointBody): Promise<{ row: VendorServiceRow; created: boolean }> {
  const vendorId = vendorIdOf(ctx);
  // Refused before the (slow) chain check; the upsert below decides for good under concurrency.
  if (body.id !== undefined) {
    const owner = await serviceIdExists(ctx.sql, body.id);
    if (owner && owner.vendor_id !== vendorId) throw idTaken(body.id);
  }
  await verifyProof(ctx, body);
  const result = await withTransaction(ctx.sql, async (tx) => {
    const candidates = body.id !== undefined ? [body.id] : slugCandidates(slugOf(body.name));
    for (const id of candidates) {
      const written = await upsertService(tx, writeOf(ctx, vendorId, id, body));
      if (!written) continue;
      await enqueueIndexing(tx, [id]);
      return written;
    }
    if (body.id !== undefined) throw idTaken(body.id);
    throw new AppError("service_id_taken", "no free id could be derived from this name; give an id");
  });
  ctx.afterWrite();
  return { row: { ...result.row, indexed: false }, created: result.inserted };
}

function* slugCandidates(slug: string): Generator<string> {
  yield slug;
  for (let n = 2; n <= 50; n++) yield `${slug}-${n}`;
}

/** Replaces the fields of one of the caller's services; another vendor's id is not found. */
export async function updateEndpoint(ctx: RegistryCtx, id: string, body: UpdateEndpointBody): Promise<VendorServiceRow> {
  const vendorId = vendorIdOf(ctx);
  if (!(await findOwnService(ctx.sql, id, vendorId))) throw serviceNotFound(id);
  await verifyProof(ctx, body);
  const row = await withTransaction(ctx.sql, async (tx) => {
    const updated = await updateOwnService(tx, { ...writeOf(ctx, vendorId, id, body), is_active: body.is_active });
    if (!updated) throw serviceNotFound(id);
    await enqueueIndexing(tx, [id]);
    return updated;
  });
  ctx.afterWrite();
  return { ...row, indexed: false };
}

/**
 * DELETE deactivates: the service leaves listings, resolution and search at once, its id stays
 * reserved to its vendor (nobody else can take over a name agents already pay), and past
 * payments keep their service_id. Re-registering the id re-activates it.
 */
export async function deactivateEndpoint(ctx: Ctx, id: string): Promise<void> {
  if (!(await deactivateOwnService(ctx.sql, id, vendorIdOf(ctx)))) throw serviceNotFound(id);
}

export async function getMyEndpoint(ctx: Ctx, id: string): Promise<VendorServiceRow> {
  const row = await findOwnService(ctx.sql, id, vendorIdOf(ctx));
  if (!row) throw serviceNotFound(id);
  return row;
}

export interface Page<T> {
  rows: T[];
  next: string | null;
}

function afterOf(cursor: string | undefined): string | undefined {
  const after = decodeCursor(cursor);
  if (after === null) throw new AppError("invalid_cursor", "cursor is not one this API returned", { details: { issues: [{ field: "cursor", location: "query", message: "unknown cursor" }] } });
  return after;
}

async function page<T extends { id: string }>(limit: number, fetch: (limitPlusOne: number) => Promise<T[]>): Promise<Page<T>> {
  const rows = await fetch(limit + 1);
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return { rows: kept, next: more ? encodeCursor(kept[kept.length - 1]!.id) : null };
}

export function listMyEndpoints(ctx: Ctx, input: { limit: number; cursor?: string | undefined }): Promise<Page<VendorServiceRow>> {
  const vendorId = vendorIdOf(ctx);
  const after = afterOf(input.cursor);
  return page(input.limit, (n) => listOwnServices(ctx.sql, vendorId, after, n));
}

/** Resolution (lld-backend.md §3.6): an active service by its public id. */
export async function getService(ctx: Pick<Ctx, "sql">, id: string): Promise<ServiceRow> {
  const row = await findActiveService(ctx.sql, id);
  if (!row) throw serviceNotFound(id);
  return row;
}

export function listServices(ctx: Pick<Ctx, "sql">, input: ServiceFilter & { limit: number; cursor?: string | undefined }): Promise<Page<ServiceRow>> {
  const after = afterOf(input.cursor);
  return page(input.limit, (n) => listActiveServices(ctx.sql, input, after, n));
}
