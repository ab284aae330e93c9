import type { Ctx } from "@/db/context";
import { AppError } from "@/core/errors";
import { decodeTimeCursor, encodeCursor } from "@/core/cursor";
import { withTransaction } from "@/db/transaction";
import { actorUserId, type LedgerCtx } from "./balance";
import {
  creditBalance,
  findLimits,
  findSettings,
  insertDeposit,
  listAgentTransactions,
  lockAgentRow,
  moveBond,
  pendingIntentsOf,
  updateSettings,
  upsertLimits,
  type LimitsRow,
  type SettingsRow,
  type TransactionRow,
} from "./queries";

export interface BondCtx extends LedgerCtx {
  minBond: bigint;
}

/** Available -> bonded. */
export async function depositBond(ctx: BondCtx, amount: bigint) {
  const userId = actorUserId(ctx);
  return withTransaction(ctx.sql, async (tx) => {
    const agent = await lockAgentRow(tx, userId);
    if (!agent?.is_agent) throw new AppError("agent_not_found", "bonds are for agents");
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
    const agent = await lockAgentRow(tx, userId);
    if (!agent?.is_agent) throw new AppError("agent_not_found", "bonds are for agents");
    // A suspended agent's bond stays frozen: it is what secures the loss that suspended it.
    if (agent.status !== "ACTIVE") throw new AppError("agent_suspended", "a suspended agent's bond is frozen; contact support");
    if (agent.bonded < amount) {
      throw new AppError("insufficient_bond", `bonded ${agent.bonded} is below ${amount}`, { details: { bonded_atomic: agent.bonded.toString() } });
    }
    // The agent row is locked, so no new intent can add to what is owed meanwhile.
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
    const deposit = await insertDeposit(tx, d);
    if (!deposit) return undefined;
    const credited = await creditBalance(tx, d.userId, d.amount);
    if (!credited) throw new AppError("not_found", "no such user");
    return { depositId: deposit.id, balance: credited.balance };
  });
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
    // The agent row lock waits for a payment batch that read the old mode to commit its intents.
    await lockAgentRow(tx, userId);
    const current = await findSettings(tx, userId);
    if (!current) throw new AppError("agent_not_found", "no agent profile");
    if (current.settlement_mode === "onchain" && settings.settlement_mode === "ledger" && (await pendingIntentsOf(tx, userId)) > 0n) {
      throw new AppError("settlement_pending", "intents await settlement; switch modes once they settle");
    }
    return (await updateSettings(tx, userId, settings))!;
  });
}

export async function listTransactions(ctx: Ctx, input: { limit: number; cursor?: string | undefined }): Promise<{ rows: TransactionRow[]; next: string | null }> {
  const after = input.cursor ? decodeTimeCursor(input.cursor) : undefined;
  const rows = await listAgentTransactions(ctx.sql, actorUserId(ctx), input.limit + 1, after);
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  return { rows: page, next: rows.length > input.limit && last ? encodeCursor({ t: last.created_at.toISOString(), id: last.id }) : null };
}
