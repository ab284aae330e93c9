import type { KeyPairSigner } from "@solana/kit";
import type { Ctx } from "@/db/context";
import { AppError } from "@/core/errors";
import { claimPendingPayouts, handleReconEvent, inFlightPayouts, recordSend, releaseForRetry, type InFlight } from "@/payouts";
import { buildPayoutTransaction, TRANSFERS_PER_TRANSACTION } from "./payout-tx";
import type { Chain } from "./rpc";

export interface SettlementCtx extends Ctx {
  chain: Chain;
  hot: KeyPairSigner;
  mint: string;
  decimals: number;
}

/** Claimed payouts with no recorded signature after this long were never sent (a crash between claim and record). */
const UNRECORDED_GRACE_MS = 60_000;

export interface SettleResult {
  sent: number;
  confirmed: number;
  failed: number;
  released: number;
}

/**
 * One pass of the settlement worker (the recon role for payouts): first settle what is in flight
 * (a previous pass, or a crashed worker), then claim PENDING payouts with FOR UPDATE SKIP LOCKED,
 * pack them into transactions, record each signature, and only then send.
 */
export async function settleOnce(ctx: SettlementCtx, options: { batch: number }): Promise<SettleResult> {
  const result: SettleResult = { sent: 0, confirmed: 0, failed: 0, released: 0 };
  await reconcile(ctx, result);
  const claimed = await claimPendingPayouts(ctx.sql, options.batch, ctx.clock.now());
  for (let i = 0; i < claimed.length; i += TRANSFERS_PER_TRANSACTION) {
    const chunk = claimed.slice(i, i + TRANSFERS_PER_TRANSACTION);
    const { value: lifetime } = await ctx.chain.call((abortSignal) => ctx.chain.rpc.getLatestBlockhash({ commitment: "confirmed" }).send({ abortSignal }));
    const tx = await buildPayoutTransaction(
      ctx.hot,
      ctx.mint,
      ctx.decimals,
      chunk.map((p) => ({ id: p.id, destination: p.destination_wallet, amount: p.amount_atomic })),
      lifetime,
    );
    await recordSend(ctx.sql, chunk.map((p) => p.id), tx.signature, lifetime.lastValidBlockHeight, ctx.clock.now());
    try {
      await ctx.chain.call((abortSignal) =>
        ctx.chain.rpc.sendTransaction(tx.wire as Parameters<typeof ctx.chain.rpc.sendTransaction>[0], { encoding: "base64", preflightCommitment: "confirmed" }).send({ abortSignal }),
      );
      result.sent += chunk.length;
    } catch (err) {
      // A preflight refusal (e.g. the hot wallet cannot cover it) means it never landed: the
      // payouts fail and their money goes back. A transport error leaves them in flight: the
      // next pass asks the chain about the recorded signature.
      if (err instanceof AppError) {
        ctx.log.warn("payout send: chain unreachable; will reconcile", { signature: tx.signature });
        continue;
      }
      const reason = err instanceof Error ? err.message.slice(0, 300) : "send failed";
      for (const p of chunk) if (await fail(ctx, p.id, reason)) result.failed++;
    }
  }
  await reconcile(ctx, result);
  return result;
}

async function fail(ctx: SettlementCtx, payoutId: string, reason: string): Promise<boolean> {
  const r = await handleReconEvent(ctx, { type: "settlement.failed", payout_id: payoutId, reason });
  return r.status === "processed";
}

async function reconcile(ctx: SettlementCtx, result: SettleResult): Promise<void> {
  const inFlight = await inFlightPayouts(ctx.sql);
  const bySignature = new Map<string | null, InFlight[]>();
  for (const p of inFlight) bySignature.set(p.tx_hash, [...(bySignature.get(p.tx_hash) ?? []), p]);
  let height: bigint | undefined;
  for (const [sig, payouts] of bySignature) {
    const now = ctx.clock.now();
    if (sig === null) {
      for (const p of payouts) {
        if (await releaseForRetry(ctx.sql, p.id, { txHash: null, claimedBefore: new Date(now.getTime() - UNRECORDED_GRACE_MS) }, now)) result.released++;
      }
      continue;
    }
    const status = await ctx.chain.getSignatureStatus(sig);
    if (status?.confirmationStatus === "finalized") {
      for (const p of payouts) {
        const r =
          status.err === null
            ? await handleReconEvent(ctx, { type: "settlement.confirmed", payout_id: p.id, tx_signature: sig })
            : await handleReconEvent(ctx, { type: "settlement.failed", payout_id: p.id, reason: `transaction failed on chain: ${JSON.stringify(status.err)}` });
        if (r.status === "processed") status.err === null ? result.confirmed++ : result.failed++;
      }
      continue;
    }
    if (status) continue; // landed, not final yet: wait
    height ??= await ctx.chain.getBlockHeight();
    const expired = payouts.every((p) => p.last_valid_block_height !== null && height! > p.last_valid_block_height);
    // Unknown to the chain and its blockhash expired: it can never land, so it may be sent again.
    if (expired) for (const p of payouts) if (await releaseForRetry(ctx.sql, p.id, { txHash: sig, claimedBefore: now }, now)) result.released++;
  }
}
