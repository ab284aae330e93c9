// What the ledger holds after a fault run, read once the server and the database are back: every
// transaction (to match against the payments sent), each account against its own payments, and
// the server's conservation audit.
import type { Sql } from "@/db/client";
import type { LedgerRow } from "./chaos-figures";

export async function readTransactions(sql: Sql): Promise<LedgerRow[]> {
  // The commit time comes from track_commit_timestamp (on in the private cluster); created_at is
  // taken when the batch starts, which may be long before a COMMIT that hung.
  const rows = await sql<{ reference: string | null; id: string; created_ms: number; committed_ms: number | null; latency_ms: number | null }[]>`
    SELECT reference, id, latency_ms,
      (extract(epoch FROM created_at) * 1000)::float8 AS created_ms,
      (extract(epoch FROM pg_xact_commit_timestamp(xmin)) * 1000)::float8 AS committed_ms
    FROM transactions`;
  return rows.map((r) => ({ reference: r.reference, id: r.id, createdAt: r.created_ms, committedAt: r.committed_ms ?? r.created_ms, latencyMs: r.latency_ms ?? 0 }));
}

/**
 * Accounts whose balance disagrees with the payments recorded against them: an agent's balance plus
 * what it paid must be what it was funded with; a vendor's unsettled balance what it was paid, less fees.
 * The audit checks the sum of all accounts; this checks each one.
 */
export async function accountsOff(sql: Sql, funded: bigint): Promise<{ agents: number; vendors: number }> {
  const [r] = await sql<{ agents: bigint; vendors: bigint }[]>`
    SELECT
      (SELECT count(*) FROM profiles p LEFT JOIN agent_accounts a ON a.user_id = p.user_id
       WHERE p.type = 'agent'
         AND COALESCE(a.balance_atomic + a.bonded_atomic, 0)
           + COALESCE((SELECT sum(t.amount_atomic) FROM transactions t WHERE t.from_agent_id = p.user_id), 0) <> ${funded}) AS agents,
      (SELECT count(*) FROM profiles p LEFT JOIN vendor_accounts v ON v.user_id = p.user_id
       WHERE p.type = 'vendor'
         AND COALESCE(v.unsettled_balance_atomic, -1)
           <> COALESCE((SELECT sum(t.amount_atomic - t.fee_atomic) FROM transactions t WHERE t.to_vendor_id = p.user_id), 0)) AS vendors`;
  return { agents: Number(r!.agents), vendors: Number(r!.vendors) };
}

export interface AuditFigures {
  ok: boolean;
  differenceAtomic: string;
  negativeBalances: number;
}

/** GET /v1/admin/ledger/audit through the running server; a failure is a string saying why. */
export async function fetchAudit(baseUrl: string, adminToken: string): Promise<AuditFigures | string> {
  try {
    const res = await fetch(`${baseUrl}/v1/admin/ledger/audit`, { headers: { authorization: `Bearer ${adminToken}` }, signal: AbortSignal.timeout(30_000) });
    if (!res.ok) return `HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`;
    const body = (await res.json()) as { ok: boolean; negative_balances: number; mints: { difference_atomic: string }[] };
    return { ok: body.ok, negativeBalances: body.negative_balances, differenceAtomic: body.mints.map((m) => m.difference_atomic).join(", ") };
  } catch (err) {
    return String(err);
  }
}
