import { AppError } from "@/core/errors";
import type { Tx } from "@/db/client";

// The vendor side of the ledger, for the payouts module: every move of profiles' money columns
// goes through here, inside the caller's transaction.

export async function lockVendor(sql: Tx, vendorId: bigint) {
  const [row] = await sql<{ unsettled: bigint; debt: bigint; withdrawal_address: string | null }[]>`
    SELECT unsettled_balance_atomic AS unsettled, debt_atomic AS debt, withdrawal_address
    FROM profiles
    WHERE user_id = ${vendorId} AND type = 'vendor'
    FOR UPDATE`;
  return row;
}

/** Takes a payout's amount out of the unsettled balance (the CHECK refuses an overdraw). */
export async function reserveForPayout(sql: Tx, vendorId: bigint, amount: bigint): Promise<bigint> {
  const vendor = await lockVendor(sql, vendorId);
  if (!vendor) throw new AppError("vendor_not_found", "no vendor profile");
  if (vendor.unsettled < amount) {
    throw new AppError("insufficient_funds", `unsettled balance ${vendor.unsettled} is below ${amount}`, {
      details: { unsettled_atomic: vendor.unsettled.toString(), amount_atomic: amount.toString() },
    });
  }
  const [row] = await sql<{ unsettled: bigint }[]>`
    UPDATE profiles SET unsettled_balance_atomic = unsettled_balance_atomic - ${amount}, updated_at = now()
    WHERE user_id = ${vendorId}
    RETURNING unsettled_balance_atomic AS unsettled`;
  return row!.unsettled;
}

/** Money back to the vendor (a failed payout), paying down any debt first. */
export async function returnToVendor(sql: Tx, vendorId: bigint, amount: bigint): Promise<void> {
  await sql`
    UPDATE profiles
    SET debt_atomic = GREATEST(debt_atomic - ${amount}, 0),
        unsettled_balance_atomic = unsettled_balance_atomic + GREATEST(${amount}::numeric - debt_atomic, 0),
        updated_at = now()
    WHERE user_id = ${vendorId}`;
}

/** Reverses an optimistic credit: what the unsettled balance cannot cover becomes debt. */
export async function reverseVendorCredit(sql: Tx, vendorId: bigint, amount: bigint): Promise<{ fromUnsettled: bigint; toDebt: bigint }> {
  const vendor = await lockVendor(sql, vendorId);
  if (!vendor) throw new AppError("vendor_not_found", "no vendor profile");
  const fromUnsettled = vendor.unsettled < amount ? vendor.unsettled : amount;
  const toDebt = amount - fromUnsettled;
  await sql`
    UPDATE profiles
    SET unsettled_balance_atomic = unsettled_balance_atomic - ${fromUnsettled}, debt_atomic = debt_atomic + ${toDebt}, updated_at = now()
    WHERE user_id = ${vendorId}`;
  return { fromUnsettled, toDebt };
}

export async function reverseFee(sql: Tx, mint: string, fee: bigint): Promise<void> {
  if (fee === 0n) return;
  await sql`UPDATE platform_accounts SET fees_atomic = fees_atomic - ${fee} WHERE token_mint = ${mint}`;
}

/** Suspends an agent (lld-backend.md §4.4); its next payment gets 403 agent_suspended. */
export async function suspendAgent(sql: Tx, agentId: bigint): Promise<void> {
  await sql`UPDATE users SET status = 'SUSPENDED', updated_at = now() WHERE id = ${agentId}`;
}

export async function lockAgentForSuspension(sql: Tx, agentId: bigint): Promise<void> {
  await sql`SELECT 1 FROM users WHERE id = ${agentId} FOR UPDATE`;
}
