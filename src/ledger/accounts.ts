import type { Ctx } from "@/db/context";
import { AppError } from "@/core/errors";
import { decodeTimeCursor, encodeCursor } from "@/core/cursor";
import { withTransaction } from "@/db/transaction";
import { actorUserId, type LedgerCtx } from "./balance";
import { creditAgent, findSettings, lockAgentAccount, moveBond, updateSettings, type SettingsRow } from "./queries/agent-accounts";
import { depositUserOf, insertDeposit } from "./queries/deposits";
import { pendingIntentsOf } from "./queries/intents";
import { findLimits, upsertLimits, type LimitsRow } from "./queries/limits";
import { listAgentTransactions, type TransactionRow } from "./queries/transactions";

export interface BondCtx extends LedgerCtx {
  minBond: bigint;
}

/** Available -> bonded. */
export async function depositBond(ctx: BondCtx, amount: bigint) {
  const userId = actorUserId(ctx);
  return withTransaction(ctx.sql, async (tx) => {
    // Every agent has an account (sql/0015): none, or another user's, is not an agent's.
    const agent = await lockAgentAccount(tx, userId);
    if (!agent?.is_agent) throw new AppError("agent_not_found", "bonds are for agents");
    // Frozen both ways while suspended: the bond is what the failed settlement's loss is judged
    // against, and support decides it, not a deposit racing the decision.
    if (agent.status !== "ACTIVE") throw new AppError("agent_suspended", "a suspended agent's bond is frozen; contact support");
    if (agent.balance < amount) {
      throw new AppError("insufficient_funds", `available balance ${agent.balance} is below ${amount}`, {
        details: { available_atomic: agent.balance.toString(), amount_atomic: amount.toString() },
      });
    }
    if (agent.bonded + amount < ctx.minBond) {
      throw new AppError("bond_below_minimum", `a bond must be at least ${ctx.minBond} atomic units`, { details: { min_bond_atomic: ctx.minBond.toString() } });
    }
    return moveBond(tx, userId, amount);
  });
}

/** Bonded -> available: refused while the agent owes settlement, or if it leaves a bond below the minimum. */
export async function withdrawBond(ctx: BondCtx, amount: bigint) {
  const userId = actorUserId(ctx);
  return withTransaction(ctx.sql, async (tx) => {
    const agent = await lockAgentAccount(tx, userId);
    if (!agent?.is_agent) throw new AppError("agent_not_found", "bonds are for agents");
    // A suspended agent's bond stays frozen: it is what secures the loss that suspended it.
    if (agent.status !== "ACTIVE") throw new AppError("agent_suspended", "a suspended agent's bond is frozen; contact support");
    if (agent.bonded < amount) {
      throw new AppError("insufficient_bond", `bonded ${agent.bonded} is below ${amount}`, { details: { bonded_atomic: agent.bonded.toString() } });
    }
    // The agent's account is locked, so no new intent can add to what is owed meanwhile.
    const owed = await pendingIntentsOf(tx, userId);
    if (owed > 0n) {
      throw new AppError("bond_locked", "the agent has intents awaiting settlement; the bond secures them", { details: { pending_atomic: owed.toString() } });
    }
    const left = agent.bonded - amount;
    if (left !== 0n && left < ctx.minBond) {
      throw new AppError("bond_below_minimum", `what remains bonded must be 0 or at least ${ctx.minBond}`, { details: { min_bond_atomic: ctx.minBond.toString() } });
    }
    return moveBond(tx, userId, -amount);
  });
}

/**
 * Credits a confirmed deposit, once per chain signature (null for internal credits, which tests
 * and the simulator use). Returns undefined when the signature was credited before.
 */
export async function creditDeposit(
  ctx: Pick<Ctx, "sql">,
  d: { userId: bigint; amount: bigint; mint: string; txSignature: string | null; source: "api" | "indexer" | "internal" },
) {
  return withTransaction(ctx.sql, async (tx) => {
    // deposits.user_id references users: a deposit to no user fails here, before any credit.
    const deposit = await insertDeposit(tx, d);
    if (!deposit) return undefined;
    const credited = await creditAgent(tx, d.userId, d.amount);
    if (!credited) throw new AppError("not_found", "no such user");
    return { depositId: deposit.id, balance: credited.balance };
  });
}

/** The user a chain signature was credited to, if it was. */
export async function depositOwner(ctx: Pick<Ctx, "sql">, txSignature: string): Promise<bigint | undefined> {
  return depositUserOf(ctx.sql, txSignature);
}

export async function getLimits(ctx: Ctx): Promise<LimitsRow> {
  return (await findLimits(ctx.sql, actorUserId(ctx))) ?? { per_payment_max_atomic: null, daily_max_atomic: null, allowed_vendor_ids: null };
}

export async function setLimits(ctx: Ctx, limits: LimitsRow): Promise<LimitsRow> {
  return upsertLimits(ctx.sql, actorUserId(ctx), limits);
}

export async function getSettings(ctx: Ctx): Promise<SettingsRow> {
  const row = await findSettings(ctx.sql, actorUserId(ctx));
  if (!row) throw new AppError("agent_not_found", "no agent profile");
  return row;
}

export async function setSettings(ctx: Ctx, settings: SettingsRow): Promise<SettingsRow> {
  const userId = actorUserId(ctx);
  return withTransaction(ctx.sql, async (tx) => {
    // Leaving on-chain mode while intents await settlement would orphan them from the bond rule.
    // The account lock waits for a payment batch that read the old mode to commit its intents.
    const current = await lockAgentAccount(tx, userId);
    if (!current?.is_agent) throw new AppError("agent_not_found", "no agent profile");
    if (current.settlement_mode === "onchain" && settings.settlement_mode === "ledger" && (await pendingIntentsOf(tx, userId)) > 0n) {
      throw new AppError("settlement_pending", "intents await settlement; switch modes once they settle");
    }
    return updateSettings(tx, userId, settings);
  });
}

export async function listTransactions(ctx: Ctx, input: { limit: number; cursor?: string | undefined }): Promise<{ rows: TransactionRow[]; next: string | null }> {
  const after = input.cursor ? decodeTimeCursor(input.cursor) : undefined;
  const rows = await listAgentTransactions(ctx.sql, actorUserId(ctx), input.limit + 1, after);
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  return { rows: page, next: rows.length > input.limit && last ? encodeCursor({ t: last.created_at.toISOString(), id: last.id }) : null };
}
