import type { Ctx } from "@/db/context";
import { AppError } from "@/core/errors";
import { agentBalance } from "./queries/agent-accounts";

export interface AgentBalance {
  available_atomic: string;
  bonded_atomic: string;
  pending_atomic: string;
  token_mint: string;
}

export interface LedgerCtx extends Ctx {
  tokenMint: string;
}

export async function getAgentBalance(ctx: LedgerCtx, userId: bigint): Promise<AgentBalance> {
  const row = await agentBalance(ctx.sql, userId);
  if (!row) throw new AppError("not_found", "no such agent");
  return {
    available_atomic: row.available.toString(),
    bonded_atomic: row.bonded.toString(),
    pending_atomic: row.pending.toString(),
    token_mint: ctx.tokenMint,
  };
}

export function actorUserId(ctx: Ctx): bigint {
  if (ctx.actor.kind !== "user") throw new AppError("unauthorized", "sign in first");
  return ctx.actor.userId;
}

/** The caller's own balance (agent routes). */
export async function getMyBalance(ctx: LedgerCtx): Promise<AgentBalance> {
  return getAgentBalance(ctx, actorUserId(ctx));
}

/** For gateways: an agent's status and spendable balance, by user id. */
export async function agentStanding(ctx: Pick<Ctx, "sql">, userId: bigint) {
  return agentBalance(ctx.sql, userId);
}
