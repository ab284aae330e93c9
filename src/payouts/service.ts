import type { Ctx } from "@/db/context";
import { decodeTimeCursor, encodeCursor } from "@/core/cursor";
import { AppError } from "@/core/errors";
import { newId } from "@/core/ids";
import { withTransaction } from "@/db/transaction";
import { lockVendor, reserveForPayout } from "@/ledger";
import { recordNotification } from "@/notifications";
import { findPayoutByReference, insertPayout, listVendorPayouts, vendorStats, type PayoutRow } from "./queries";

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
    const vendor = await lockVendor(tx, vendorId);
    if (!vendor) throw new AppError("vendor_not_found", "no vendor profile");
    const destination = input.destinationWallet ?? vendor.withdrawal_address;
    // A leaked gateway key must not be able to send earnings elsewhere: only a signed-in
    // session may pay out to another wallet than the profile's withdrawal address.
    if (destination !== vendor.withdrawal_address && ctx.actor.kind === "user" && ctx.actor.via !== "jwt") {
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

export async function getVendorStats(ctx: Ctx) {
  const row = await vendorStats(ctx.sql, vendorIdOf(ctx));
  if (!row) throw new AppError("vendor_not_found", "no vendor profile");
  return row;
}
