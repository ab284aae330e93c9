import { createHmac, timingSafeEqual } from "node:crypto";
import type { Ctx } from "@/db/context";
import { AppError } from "@/core/errors";
import { withTransaction } from "@/db/transaction";
import { confirmIntent, failIntent, returnToVendor } from "@/ledger";
import { recordNotification } from "@/notifications";
import { lockPayout, recordReconEvent, setPayoutOutcome } from "./queries";

// Recon reports settlement outcomes (contract.md "Ledger"): HMAC-SHA-256 of the raw body with
// RECON_WEBHOOK_SECRET in X-MachPay-Signature: sha256=<hex>. Each event is processed exactly once:
// its id is recorded in the same transaction as its effect, and every effect is also guarded by
// the state it changes (PENDING -> ...), so a replay under another id changes nothing either.

export function verifyReconSignature(secret: string, rawBody: string, header: string | undefined): boolean {
  const given = /^sha256=([0-9a-f]{64})$/i.exec(header ?? "")?.[1];
  if (!given) return false;
  const expected = createHmac("sha256", secret).update(rawBody).digest();
  const actual = Buffer.from(given, "hex");
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export type ReconEvent =
  | { id?: string | undefined; type: "settlement.confirmed"; intent_id?: string | undefined; payout_id?: string | undefined; tx_signature: string }
  | {
      id?: string | undefined;
      type: "settlement.failed";
      intent_id?: string | undefined;
      payout_id?: string | undefined;
      vendor_id?: string | undefined;
      amount?: string | undefined;
      reason: string;
    };

export type ReconResult = { status: "processed" | "duplicate" | "no_change"; event_id: string };

export async function handleReconEvent(ctx: Ctx, event: ReconEvent): Promise<ReconResult> {
  const target = event.intent_id ?? event.payout_id;
  if (!target || (event.intent_id && event.payout_id)) {
    throw new AppError("invalid_request", "an event names exactly one of intent_id or payout_id", {
      details: { issues: [{ field: "intent_id", location: "json", message: "exactly one of intent_id, payout_id" }] },
    });
  }
  const eventId = event.id ?? `${event.type}:${target}`;
  return withTransaction(ctx.sql, async (tx) => {
    if (!(await recordReconEvent(tx, eventId, event.type, event))) return { status: "duplicate" as const, event_id: eventId };
    const now = ctx.clock.now();
    const changed = event.intent_id ? await onIntent(tx, event, event.intent_id, now) : await onPayout(tx, event, event.payout_id!, now);
    return { status: changed ? ("processed" as const) : ("no_change" as const), event_id: eventId };
  });
}

type TxOf = Parameters<Parameters<typeof withTransaction>[1]>[0];

async function onIntent(tx: TxOf, event: ReconEvent, intentId: string, now: Date): Promise<boolean> {
  if (event.type === "settlement.confirmed") return confirmIntent(tx, { intentId, txSignature: event.tx_signature, now });
  // Both were checked as int8 digit strings by the route's schema.
  if (!event.vendor_id || !event.amount) {
    throw new AppError("invalid_request", "settlement.failed for an intent carries vendor_id and amount", {
      details: { issues: [{ field: "vendor_id", location: "json", message: "required with intent_id" }] },
    });
  }
  const failed = await failIntent(tx, { intentId, vendorId: BigInt(event.vendor_id), amount: BigInt(event.amount), reason: event.reason, now });
  if (!failed) return false;
  await recordNotification(tx, failed.vendorId, "settlement.failed", {
    intent_id: intentId,
    agent_id: failed.agentId.toString(),
    amount_atomic: failed.amount.toString(),
    reversed_atomic: failed.reversed.toString(),
    debt_atomic: failed.toDebt.toString(),
    reason: event.reason,
    message: `Settlement failed for agent ${failed.agentId}. Your pending balance has been adjusted.`,
  });
  return true;
}

async function onPayout(tx: TxOf, event: ReconEvent, payoutId: string, now: Date): Promise<boolean> {
  const payout = await lockPayout(tx, payoutId);
  if (!payout) throw new AppError("payout_not_found", "no such payout");
  if (payout.status !== "PENDING" && payout.status !== "PROCESSING") return false;
  if (event.type === "settlement.confirmed") {
    await setPayoutOutcome(tx, payoutId, { status: "CONFIRMED", txHash: event.tx_signature, reason: null, now });
    await recordNotification(tx, payout.vendor_id, "payout.confirmed", { payout_id: payoutId, tx_signature: event.tx_signature });
  } else {
    await setPayoutOutcome(tx, payoutId, { status: "FAILED", txHash: null, reason: event.reason, now });
    await returnToVendor(tx, payout.vendor_id, payout.amount_atomic);
    await recordNotification(tx, payout.vendor_id, "payout.failed", { payout_id: payoutId, reason: event.reason, amount_atomic: payout.amount_atomic.toString() });
  }
  return true;
}
