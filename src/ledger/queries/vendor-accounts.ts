import type { Tx } from "@/db/client";

// vendor_accounts (sql/0015): a payee's unsettled earnings and debt. Exactly the vendor profiles
// have one (opened by the profile's insert). The payment engine's credit is in engine/queries.ts.

export interface VendorBalanceRow {
  unsettled: bigint;
  debt: bigint;
}

export interface LockedVendorRow extends VendorBalanceRow {
  /** users.status, read (never written) by the ledger: a suspended account takes no money out. */
  status: "ACTIVE" | "SUSPENDED";
}

/** Undefined for a user without a vendor account (no vendor profile). Locks the account row only. */
export async function lockVendorAccount(sql: Tx, vendorId: bigint): Promise<LockedVendorRow | undefined> {
  const [row] = await sql<LockedVendorRow[]>`
    SELECT v.unsettled_balance_atomic AS unsettled, v.debt_atomic AS debt, u.status
    FROM vendor_accounts v
    JOIN users u ON u.id = v.user_id
    WHERE v.user_id = ${vendorId}
    FOR UPDATE OF v`;
  return row;
}

export async function findVendorBalance(sql: Tx, vendorId: bigint): Promise<VendorBalanceRow | undefined> {
  const [row] = await sql<VendorBalanceRow[]>`
    SELECT unsettled_balance_atomic AS unsettled, debt_atomic AS debt FROM vendor_accounts WHERE user_id = ${vendorId}`;
  return row;
}

/** Takes `amount` out of the unsettled balance (the CHECK refuses an overdraw); returns what is left. */
export async function debitUnsettled(sql: Tx, vendorId: bigint, amount: bigint): Promise<bigint> {
  const [row] = await sql<{ unsettled: bigint }[]>`
    UPDATE vendor_accounts SET unsettled_balance_atomic = unsettled_balance_atomic - ${amount}, updated_at = now()
    WHERE user_id = ${vendorId}
    RETURNING unsettled_balance_atomic AS unsettled`;
  return row!.unsettled;
}

/** Money back to the vendor, paying down any debt first (both SET expressions read the old debt). */
export async function creditVendorAccount(sql: Tx, vendorId: bigint, amount: bigint): Promise<void> {
  await sql`
    UPDATE vendor_accounts
    SET debt_atomic = GREATEST(debt_atomic - ${amount}, 0),
        unsettled_balance_atomic = unsettled_balance_atomic + GREATEST(${amount}::numeric - debt_atomic, 0),
        updated_at = now()
    WHERE user_id = ${vendorId}`;
}

/** A reversed credit: `fromUnsettled` leaves the unsettled balance, `toDebt` is added to the debt. */
export async function chargeVendorAccount(sql: Tx, vendorId: bigint, fromUnsettled: bigint, toDebt: bigint): Promise<void> {
  await sql`
    UPDATE vendor_accounts
    SET unsettled_balance_atomic = unsettled_balance_atomic - ${fromUnsettled}, debt_atomic = debt_atomic + ${toDebt}, updated_at = now()
    WHERE user_id = ${vendorId}`;
}
