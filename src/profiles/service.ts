import { setUserRole } from "@/auth";
import type { Ctx } from "@/db/context";
import { AppError } from "@/core/errors";
import { withTransaction } from "@/db/transaction";
import { findProfile, insertProfile, updateVendorPrice, type ProfileRow, type ReportedPriceRow } from "./queries";
import type { CreateProfileInput } from "./schemas";

function userIdOf(ctx: Ctx): bigint {
  if (ctx.actor.kind !== "user") throw new AppError("unauthorized", "sign in first");
  return ctx.actor.userId;
}

/**
 * A user has one profile: an agent profile makes them an architect, a vendor profile an
 * operator. Profile and role change in one transaction.
 */
export async function createProfile(ctx: Ctx, input: CreateProfileInput): Promise<ProfileRow> {
  const userId = userIdOf(ctx);
  return withTransaction(ctx.sql, async (tx) => {
    const row = await insertProfile(tx, {
      user_id: userId,
      type: input.type,
      name: input.name,
      description: input.description ?? null,
      service_type: input.type === "vendor" ? input.service_type : null,
      withdrawal_address: input.type === "vendor" ? input.withdrawal_address : null,
      base_price_atomic: input.type === "vendor" ? BigInt(input.base_price_atomic) : null,
    });
    if (!row) {
      throw new AppError("profile_exists", "this user already has a profile");
    }
    await setUserRole(tx, userId, input.type === "agent" ? "architect" : "operator");
    return row;
  });
}

export async function getProfile(ctx: Ctx): Promise<ProfileRow> {
  const row = await findProfile(ctx.sql, userIdOf(ctx));
  if (!row) throw new AppError("profile_not_found", "this user has no profile yet: POST /v1/profile");
  return row;
}

/** Another module's read of a user's profile (pairing checks the profile type before binding a key). */
export async function findProfileOfUser(ctx: Pick<Ctx, "sql">, userId: bigint): Promise<ProfileRow | undefined> {
  return findProfile(ctx.sql, userId);
}

/**
 * The price a vendor's own gateway reports (its telemetry packet's config), applied inside the
 * caller's transaction. The caller has established that the credential which sent it belongs to
 * this vendor. Only the price: the withdrawal address is returned for comparison and never changed
 * from a gateway credential, since payouts go there ("a leaked gateway key must not be able to
 * send earnings elsewhere"). Undefined when the user has no vendor profile.
 */
export async function setReportedPrice(ctx: Pick<Ctx, "sql">, vendorId: bigint, priceAtomic: bigint): Promise<ReportedPriceRow | undefined> {
  return updateVendorPrice(ctx.sql, vendorId, priceAtomic);
}
