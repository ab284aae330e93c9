import type { Ctx } from "@/db/context";
import { decodeTimeCursor, encodeCursor } from "@/core/cursor";
import { AppError } from "@/core/errors";
import { newId } from "@/core/ids";
import { withSnapshot, withTransaction } from "@/db/transaction";
import { lockVendor, reserveForPayout, vendorBalance } from "@/ledger";
import { recordNotification } from "@/notifications";
import { findProfileOfUser } from "@/profiles";
import { getVendorTelemetry, type VendorTelemetry } from "@/telemetry";
import { findPayoutByReference, insertPayout, listVendorPayouts, vendorPaymentStats, type PayoutRow, type VendorStatsRow } from "./queries";

export interface PayoutCtx extends Ctx {
  tokenMint: string;
}

function vendorIdOf(ctx: Ctx): bigint {
  if (ctx.actor.kind !== "user") throw new AppError("unauthorized", "sign in first");
  return ctx.actor.userId;
}

/**
 * A vendor withdraws earnings: the amount leaves the unsettled balance and is reserved in a
 * PENDING payout, in one transaction; the settlement worker pays it on chain later.
 */
export async function requestPayout(
  ctx: PayoutCtx,
  input: { amount: bigint; destinationWallet?: string | undefined; reference: string },
): Promise<PayoutRow> {
  const vendorId = vendorIdOf(ctx);
  return withTransaction(ctx.sql, async (tx) => {
    // The vendor's account lock orders concurrent payouts of one vendor (the reference check below).
    if (!(await lockVendor(tx, vendorId))) throw new AppError("vendor_not_found", "no vendor profile");
    // A vendor profile's withdrawal address is set when it is created and never changes.
    const withdrawalAddress = (await findProfileOfUser({ sql: tx }, vendorId))?.withdrawal_address ?? null;
    const destination = input.destinationWallet ?? withdrawalAddress;
    // A leaked gateway key must not be able to send earnings elsewhere: only a signed-in
    // session may pay out to another wallet than the profile's withdrawal address.
    if (destination !== withdrawalAddress && ctx.actor.kind === "user" && ctx.actor.via !== "jwt") {
      throw new AppError("session_required", "paying out to another wallet than the profile's withdrawal address needs a signed-in session");
    }
    if (!destination) {
      throw new AppError("invalid_request", "destinationWallet is required (the profile has no withdrawal address)", {
        details: { issues: [{ field: "destinationWallet", location: "json", message: "required" }] },
      });
    }
    const existing = await findPayoutByReference(tx, vendorId, input.reference);
    if (existing) {
      throw new AppError("duplicate_reference", "a payout with this reference exists", { details: { payout_id: existing.id } });
    }
    await reserveForPayout(tx, vendorId, input.amount);
    const now = ctx.clock.now();
    const payout = await insertPayout(tx, { id: newId("po"), vendorId, amount: input.amount, mint: ctx.tokenMint, destination, reference: input.reference, now });
    // The unique (vendor, reference) also stands behind the check above against a concurrent twin.
    if (!payout) throw new AppError("duplicate_reference", "a payout with this reference exists");
    await recordNotification(tx, vendorId, "payout.requested", { payout_id: payout.id, amount_atomic: input.amount.toString() });
    return payout;
  });
}

export async function listPayouts(ctx: Ctx, input: { limit: number; cursor?: string | undefined }) {
  const after = input.cursor ? decodeTimeCursor(input.cursor) : undefined;
  const rows = await listVendorPayouts(ctx.sql, vendorIdOf(ctx), input.limit + 1, after);
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  return { rows: page, next: rows.length > input.limit && last ? encodeCursor({ t: last.created_at.toISOString(), id: last.id }) : null };
}

export async function getVendorStats(ctx: Ctx): Promise<VendorStatsRow & { telemetry: VendorTelemetry | undefined }> {
  const vendorId = vendorIdOf(ctx);
  // One snapshot for both reads, so that earnings, payouts and the balance add up while payments
  // and payouts land in between. Telemetry (what the gateways reported, from its hourly rollups)
  // is read beside it: no money figure depends on it.
  const [[stats, balance], telemetry] = await Promise.all([
    withSnapshot(ctx.sql, (tx) => Promise.all([vendorPaymentStats(tx, vendorId), vendorBalance(tx, vendorId)])),
    getVendorTelemetry(ctx.sql, vendorId, ctx.clock.now()),
  ]);
  if (!stats || !balance) throw new AppError("vendor_not_found", "no vendor profile");
  return { ...stats, unsettled: balance.unsettled, debt: balance.debt, telemetry };
}
