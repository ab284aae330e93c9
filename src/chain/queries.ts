import type { Tx } from "@/db/client";

export async function getCheckpoint(sql: Tx, name: string): Promise<{ signature: string; slot: bigint } | undefined> {
  const [row] = await sql<{ signature: string; slot: bigint }[]>`SELECT signature, slot FROM chain_checkpoints WHERE name = ${name}`;
  return row;
}

export async function setCheckpoint(sql: Tx, name: string, signature: string, slot: bigint): Promise<void> {
  await sql`
    INSERT INTO chain_checkpoints (name, signature, slot)
    VALUES (${name}, ${signature}, ${slot.toString()})
    ON CONFLICT (name) DO UPDATE SET signature = EXCLUDED.signature, slot = EXCLUDED.slot, updated_at = now()`;
}

/** The vault indexer's lag for /metrics: seconds since any vault checkpoint last moved (null before the first). */
export async function vaultCheckpointAge(sql: Tx): Promise<{ n: null; age: number | null } | undefined> {
  const [row] = await sql<{ n: null; age: number | null }[]>`
    SELECT NULL AS n, extract(epoch FROM now() - max(updated_at))::float8 AS age
    FROM chain_checkpoints WHERE name LIKE 'vault:%'`;
  return row;
}
