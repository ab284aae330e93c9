import { findUserById } from "@/auth";
import type { Ctx } from "@/db/context";
import { AppError } from "@/core/errors";
import { withTransaction } from "@/db/transaction";
import { creditDeposit, depositOwner } from "@/ledger";
import { recordNotification } from "@/notifications";
import { findLinkedDevice } from "@/pairing";
import { memos, memoUserId, tokenDelta, transferAuthorities } from "./parse";
import type { Chain, Commitment, ParsedTransaction } from "./rpc";

export interface ChainSettings {
  mint: string;
  vaultTokenAccount: string;
  vaultOwner: string;
  commitment: Commitment;
}

export interface DepositCtx extends Ctx {
  chain: Chain;
  settings: ChainSettings;
}

export interface DepositOutcome {
  status: "credited" | "already_credited";
  userId: bigint;
  amount: bigint;
  txSignature: string;
}

const notYours = () =>
  new AppError("deposit_not_yours", "this transfer did not come from one of your wallets and carries no memo naming you");

/**
 * Reads a transaction at the configured commitment and checks it is a successful movement of
 * the configured mint into the vault. The amount is the vault's balance delta, not an
 * instruction's claim, so multi-instruction transactions cannot inflate it.
 */
export async function inspectDeposit(ctx: DepositCtx, txHash: string): Promise<{ tx: ParsedTransaction; amount: bigint; memoUser: bigint | null; authorities: string[] }> {
  const tx = await ctx.chain.getTransaction(txHash, ctx.settings.commitment);
  if (!tx) {
    const status = await ctx.chain.getSignatureStatus(txHash);
    if (!status) throw new AppError("transaction_not_found", "no transaction with this signature is known to the cluster");
    throw new AppError("deposit_not_final", `the transaction is ${status.confirmationStatus ?? "processed"}, not yet ${ctx.settings.commitment}; retry shortly`, {
      headers: { "Retry-After": "2" },
      details: { confirmation_status: status.confirmationStatus, retryable: true },
    });
  }
  if (tx.meta === null || tx.meta.err !== null) {
    throw new AppError("transaction_failed", "the transaction failed on chain; nothing was transferred", { details: { err: tx.meta?.err ?? null } });
  }
  const amount = tokenDelta(tx, ctx.settings.vaultTokenAccount, ctx.settings.mint);
  if (amount <= 0n) {
    throw new AppError("not_a_deposit", `the transaction moved no ${ctx.settings.mint} into the vault token account ${ctx.settings.vaultTokenAccount}`);
  }
  return { tx, amount, memoUser: memoUserId(memos(tx)), authorities: transferAuthorities(tx, ctx.settings.vaultTokenAccount) };
}

/** Is `wallet` one of the user's: their sign-in wallet, or a device key linked to them. */
async function ownsWallet(ctx: Ctx, userId: bigint, wallet: string): Promise<boolean> {
  const user = await findUserById(ctx.sql, userId);
  if (user?.wallet_address === wallet) return true;
  const device = await findLinkedDevice(ctx, wallet);
  return device?.user_id === userId;
}

/** Whose deposit a transaction is: the memo's user, or the owner of the signing wallet. */
export async function attribute(ctx: Ctx, found: { memoUser: bigint | null; authorities: string[] }): Promise<bigint | null> {
  if (found.memoUser !== null) return (await findUserById(ctx.sql, found.memoUser)) ? found.memoUser : null;
  for (const wallet of found.authorities) {
    const device = await findLinkedDevice(ctx, wallet);
    if (device) return device.user_id;
  }
  return null;
}

/** Credits once per signature, with the user's deposit notification in the same transaction. */
export async function creditOnce(ctx: DepositCtx, userId: bigint, amount: bigint, txSignature: string, source: "api" | "indexer"): Promise<DepositOutcome> {
  const credited = await withTransaction(ctx.sql, async (tx) => {
    const done = await creditDeposit({ sql: tx }, { userId, amount, mint: ctx.settings.mint, txSignature, source });
    if (done) await recordNotification(tx, userId, "deposit.confirmed", { tx_signature: txSignature, amount_atomic: amount.toString() });
    return done;
  });
  if (credited) return { status: "credited", userId, amount, txSignature };
  const earlier = await depositOwner(ctx, txSignature);
  if (earlier !== undefined && earlier !== userId) throw new AppError("deposit_claimed", "this transaction was credited to another account");
  return { status: "already_credited", userId, amount, txSignature };
}

/** POST /v1/agent/deposit: the caller names a transaction; it is credited to them once. */
export async function claimDeposit(ctx: DepositCtx, input: { txHash: string }): Promise<DepositOutcome> {
  if (ctx.actor.kind !== "user") throw new AppError("unauthorized", "sign in first");
  const userId = ctx.actor.userId;
  const found = await inspectDeposit(ctx, input.txHash);
  if (found.memoUser !== null) {
    if (found.memoUser !== userId) throw new AppError("deposit_not_yours", "the transfer's memo names another account");
  } else {
    const mine = await Promise.all(found.authorities.map((w) => ownsWallet(ctx, userId, w)));
    if (!mine.some(Boolean)) throw notYours();
  }
  return creditOnce(ctx, userId, found.amount, input.txHash, "api");
}
