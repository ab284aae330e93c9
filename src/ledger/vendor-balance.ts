import { AppError } from "@/core/errors";
import type { Tx } from "@/db/client";
import {
  chargeVendorAccount,
  creditVendorAccount,
  debitUnsettled,
  findVendorBalance,
  lockVendorAccount,
  type VendorBalanceRow,
} from "./queries/vendor-accounts";

// The vendor side of the ledger, for the payouts module: every move of a vendor's money goes
// through here, inside the caller's transaction.

export type VendorBalance = VendorBalanceRow;

/** Locks the vendor's account (a payout's first step); undefined when the user has no vendor profile. */
export async function lockVendor(sql: Tx, vendorId: bigint): Promise<VendorBalance | undefined> {
  return lockVendorAccount(sql, vendorId);
}

/** The vendor's unsettled balance and debt, unlocked (stats); undefined without a vendor profile. */
export async function vendorBalance(sql: Tx, vendorId: bigint): Promise<VendorBalance | undefined> {
  return findVendorBalance(sql, vendorId);
}

/** Takes a payout's amount out of the unsettled balance (the CHECK refuses an overdraw). */
export async function reserveForPayout(sql: Tx, vendorId: bigint, amount: bigint): Promise<bigint> {
  const vendor = await lockVendorAccount(sql, vendorId);
  if (!vendor) throw new AppError("vendor_not_found", "no vendor profile");
  // Only agents are suspended by the system (a failed settlement, contract.md); a vendor account an
  // operator suspended keeps what it earns but takes nothing out until it is reinstated.
  if (vendor.status !== "ACTIVE") throw new AppError("account_suspended", "this account is suspended; payouts are held; contact support");
  if (vendor.unsettled < amount) {
    throw new AppError("insufficient_funds", `unsettled balance ${vendor.unsettled} is below ${amount}`, {
      details: { unsettled_atomic: vendor.unsettled.toString(), amount_atomic: amount.toString() },
    });
  }
  return debitUnsettled(sql, vendorId, amount);
}

/** Money back to the vendor (a failed payout), paying down any debt first. */
export async function returnToVendor(sql: Tx, vendorId: bigint, amount: bigint): Promise<void> {
  await creditVendorAccount(sql, vendorId, amount);
}

/** Reverses an optimistic credit: what the unsettled balance cannot cover becomes debt. */
export async function reverseVendorCredit(sql: Tx, vendorId: bigint, amount: bigint): Promise<{ fromUnsettled: bigint; toDebt: bigint }> {
  const vendor = await lockVendorAccount(sql, vendorId);
  if (!vendor) throw new AppError("vendor_not_found", "no vendor profile");
  const fromUnsettled = vendor.unsettled < amount ? vendor.unsettled : amount;
  const toDebt = amount - fromUnsettled;
  await chargeVendorAccount(sql, vendorId, fromUnsettled, toDebt);
  return { fromUnsettled, toDebt };
}
