import type { Tx } from "@/db/client";

export interface PartitionChange {
  action: "created" | "dropped" | "drop_deferred";
  partition_name: string;
}

/** telemetry_maintain() of sql/0016: partitions created ahead, those past retention dropped. */
export async function maintainPartitions(sql: Tx, at: Date): Promise<PartitionChange[]> {
  return sql<PartitionChange[]>`SELECT action, partition_name FROM telemetry_maintain(${at})`;
}

/**
 * Records a withdrawal address a vendor's gateway reported; true the first time (vendor, address)
 * is seen, in the caller's transaction, which is when the vendor is notified.
 */
export async function recordAddressReport(sql: Tx, vendorId: bigint, address: string, gatewayId: string, at: Date): Promise<boolean> {
  const rows = await sql`
    INSERT INTO gateway_address_reports (vendor_id, reported_address, gateway_id, first_seen_at)
    VALUES (${vendorId}, ${address}, ${gatewayId}, ${at})
    ON CONFLICT (vendor_id, reported_address) DO NOTHING
    RETURNING vendor_id`;
  return rows.length > 0;
}
