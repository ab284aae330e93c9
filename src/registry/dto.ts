import type { ServiceRow, VendorServiceRow } from "./queries";
import type { ServiceDTO, VendorEndpointDTO } from "./schemas";

// Rows to JSON: money as digit strings, ids as strings, nothing the schema does not declare.

export function toServiceDTO(row: ServiceRow): ServiceDTO {
  return {
    id: row.id,
    vendor_id: row.vendor_id.toString(),
    name: row.name,
    description: row.description,
    service_type: row.service_type,
    gateway_url: row.gateway_url,
    gateway_pubkey: row.gateway_pubkey,
    price_atomic: row.price_atomic.toString(),
    token_mint: row.token_mint,
    mcp_tool_def: row.mcp_tool_def,
  };
}

export function toVendorEndpointDTO(row: VendorServiceRow): VendorEndpointDTO {
  return {
    ...toServiceDTO(row),
    is_active: row.is_active,
    pda_address: row.pda_address,
    tx_signature: row.tx_signature,
    index_status: row.indexed ? "indexed" : "pending",
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** Opaque page cursors: the last id of the page, base64url so clients do not build them. */
export const encodeCursor = (lastId: string) => Buffer.from(lastId, "utf8").toString("base64url");

export function decodeCursor(cursor: string | undefined): string | undefined | null {
  if (cursor === undefined) return undefined;
  const id = Buffer.from(cursor, "base64url").toString("utf8");
  return /^[a-z0-9][a-z0-9._-]{0,63}$/.test(id) ? id : null;
}
