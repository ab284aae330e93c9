import type { Tx } from "@/db/client";
import type { McpToolsList } from "./schemas";

// Every SQL statement of the registry. services.id is the public service id; vendor_id is the
// owning user. The index queue is written in the same transaction as the service.

export interface ServiceTarget {
  id: string;
  vendor_id: bigint;
  price_atomic: bigint;
  token_mint: string;
  is_active: boolean;
}

export async function findServiceTarget(sql: Tx, id: string): Promise<ServiceTarget | undefined> {
  const [row] = await sql<ServiceTarget[]>`
    SELECT id, vendor_id, price_atomic, token_mint, is_active FROM services WHERE id = ${id}`;
  return row;
}

export interface ServiceWrite {
  id: string;
  vendor_id: bigint;
  name: string;
  description: string;
  service_type: string;
  gateway_url: string;
  gateway_pubkey: string | null;
  price_atomic: bigint;
  token_mint: string;
  mcp_tool_def: McpToolsList | null;
  pda_address: string | null;
  tx_signature: string | null;
}

export interface ServiceRow extends ServiceWrite {
  is_active: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface VendorServiceRow extends ServiceRow {
  indexed: boolean;
}

const COLUMNS = [
  "id",
  "vendor_id",
  "name",
  "description",
  "service_type",
  "gateway_url",
  "gateway_pubkey",
  "price_atomic",
  "token_mint",
  "mcp_tool_def",
  "pda_address",
  "tx_signature",
  "is_active",
  "created_at",
  "updated_at",
];



/**
 * Creates the service, or updates it when this vendor already owns the id (and re-activates it).
 * Undefined when another vendor owns the id. One statement, so two vendors racing for a new id
 * cannot both win. A chain proof, once recorded, is kept when a later write carries none.
 */
export async function upsertService(sql: Tx, s: ServiceWrite): Promise<{ row: ServiceRow; inserted: boolean } | undefined> {
  const [row] = await sql<(ServiceRow & { inserted: boolean })[]>`
    INSERT INTO services (id, vendor_id, name, description, service_type, gateway_url, gateway_pubkey,
                          price_atomic, token_mint, mcp_tool_def, pda_address, tx_signature)
    VALUES (${s.id}, ${s.vendor_id}, ${s.name}, ${s.description}, ${s.service_type}, ${s.gateway_url}, ${s.gateway_pubkey},
            ${s.price_atomic}, ${s.token_mint}, ${jsonb(sql, s.mcp_tool_def)}, ${s.pda_address}, ${s.tx_signature})
    ON CONFLICT (id) DO UPDATE SET
      name = excluded.name,
      description = excluded.description,
      service_type = excluded.service_type,
      gateway_url = excluded.gateway_url,
      gateway_pubkey = excluded.gateway_pubkey,
      price_atomic = excluded.price_atomic,
      token_mint = excluded.token_mint,
      mcp_tool_def = excluded.mcp_tool_def,
      pda_address = coalesce(excluded.pda_address, services.pda_address),
      tx_signature = coalesce(excluded.tx_signature, services.tx_signature),
      is_active = true,
      updated_at = now()
    WHERE services.vendor_id = excluded.vendor_id
    RETURNING ${sql(COLUMNS)}, (xmax = 0) AS inserted`;
  if (!row) return undefined;
  const { inserted, ...service } = row;
  return { row: service, inserted };
}

/** Replaces a vendor's own service's fields; undefined when the vendor has no service by that id. */
export async function updateOwnService(sql: Tx, s: ServiceWrite & { is_active: boolean | undefined }): Promise<ServiceRow | undefined> {
  const [row] = await sql<ServiceRow[]>`
    UPDATE services SET
      name = ${s.name},
      description = ${s.description},
      service_type = ${s.service_type},
      gateway_url = ${s.gateway_url},
      gateway_pubkey = ${s.gateway_pubkey},
      price_atomic = ${s.price_atomic},
      token_mint = ${s.token_mint},
      mcp_tool_def = ${jsonb(sql, s.mcp_tool_def)},
      pda_address = coalesce(${s.pda_address}, pda_address),
      tx_signature = coalesce(${s.tx_signature}, tx_signature),
      is_active = coalesce(${s.is_active ?? null}::boolean, is_active),
      updated_at = now()
    WHERE id = ${s.id} AND vendor_id = ${s.vendor_id}
    RETURNING ${sql(COLUMNS)}`;
  return row;
}

/** Soft delete: the id stays reserved for its vendor and payments keep pointing at it. */
export async function deactivateOwnService(sql: Tx, id: string, vendorId: bigint): Promise<boolean> {
  const rows = await sql`
    UPDATE services SET is_active = false, updated_at = CASE WHEN is_active THEN now() ELSE updated_at END
    WHERE id = ${id} AND vendor_id = ${vendorId}
    RETURNING id`;
  return rows.length > 0;
}

export async function serviceIdExists(sql: Tx, id: string): Promise<{ vendor_id: bigint } | undefined> {
  const [row] = await sql<{ vendor_id: bigint }[]>`SELECT vendor_id FROM services WHERE id = ${id}`;
  return row;
}

const jsonb = (sql: Tx, value: McpToolsList | null) =>
  // SAFETY: a tools/list result is plain JSON (it came from a parsed request body).
  value === null ? null : sql.json(value as unknown as Parameters<Tx["json"]>[0]);

export async function findOwnService(sql: Tx, id: string, vendorId: bigint): Promise<VendorServiceRow | undefined> {
  const [row] = await sql<VendorServiceRow[]>`
    SELECT ${sql(COLUMNS.map((c) => `s.${c}`))},
           NOT EXISTS (SELECT 1 FROM service_index_queue q WHERE q.service_id = s.id) AS indexed
    FROM services s
    WHERE s.id = ${id} AND s.vendor_id = ${vendorId}`;
  return row;
}

/** A vendor's services, inactive ones included, by id; `after` is the last id of the previous page. */
export async function listOwnServices(sql: Tx, vendorId: bigint, after: string | undefined, limit: number): Promise<VendorServiceRow[]> {
  return sql<VendorServiceRow[]>`
    SELECT ${sql(COLUMNS.map((c) => `s.${c}`))},
           NOT EXISTS (SELECT 1 FROM service_index_queue q WHERE q.service_id = s.id) AS indexed
    FROM services s
    WHERE s.vendor_id = ${vendorId}
      ${after === undefined ? sql`` : sql`AND s.id > ${after}`}
    ORDER BY s.id
    LIMIT ${limit}`;
}

export async function findActiveService(sql: Tx, id: string): Promise<ServiceRow | undefined> {
  const [row] = await sql<ServiceRow[]>`SELECT ${sql(COLUMNS)} FROM services WHERE id = ${id} AND is_active`;
  return row;
}

export interface ServiceFilter {
  serviceType?: string | undefined;
  maxPriceAtomic?: bigint | undefined;
}

export async function listActiveServices(sql: Tx, filter: ServiceFilter, after: string | undefined, limit: number): Promise<ServiceRow[]> {
  return sql<ServiceRow[]>`
    SELECT ${sql(COLUMNS)}
    FROM services
    WHERE is_active
      ${filter.serviceType === undefined ? sql`` : sql`AND service_type = ${filter.serviceType}`}
      ${filter.maxPriceAtomic === undefined ? sql`` : sql`AND price_atomic <= ${filter.maxPriceAtomic}`}
      ${after === undefined ? sql`` : sql`AND id > ${after}`}
    ORDER BY id
    LIMIT ${limit}`;
}

/** Active services by id, in no particular order. */
export async function findActiveServices(sql: Tx, ids: string[]): Promise<ServiceRow[]> {
  if (ids.length === 0) return [];
  return sql<ServiceRow[]>`SELECT ${sql(COLUMNS)} FROM services WHERE id = ANY(${ids}) AND is_active`;
}

/** Active services cheapest first: what a query made only of price words ("cheapest") asks for. */
export async function listCheapestServices(sql: Tx, filter: ServiceFilter, limit: number): Promise<ServiceRow[]> {
  return sql<ServiceRow[]>`
    SELECT ${sql(COLUMNS)}
    FROM services
    WHERE is_active
      ${filter.maxPriceAtomic === undefined ? sql`` : sql`AND price_atomic <= ${filter.maxPriceAtomic}`}
      ${filter.serviceType === undefined ? sql`` : sql`AND service_type = ${filter.serviceType}`}
    ORDER BY price_atomic, id
    LIMIT ${limit}`;
}
