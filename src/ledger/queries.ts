import type { Tx } from "@/db/client";

export interface AgentBalanceRow {
  available: bigint;
  bonded: bigint;
  pending: bigint;
  status: "ACTIVE" | "SUSPENDED";
}

/**
 * available and bonded live on the user row; pending is what the agent's signed intents still
 * owe settlement on chain (payment_intents PENDING).
 */
export async function agentBalance(sql: Tx, userId: bigint): Promise<AgentBalanceRow | undefined> {
  const [row] = await sql<AgentBalanceRow[]>`
    SELECT u.balance_atomic AS available,
           u.bonded_atomic AS bonded,
           COALESCE((SELECT sum(amount_atomic) FROM payment_intents WHERE agent_id = u.id AND status = 'PENDING'), 0)::numeric(20,0) AS pending,
           u.status
    FROM users u
    WHERE u.id = ${userId}`;
  return row;
}
