import { AppError } from "@/core/errors";
import { attribute, creditOnce, inspectDeposit, type DepositCtx } from "./deposits";
import { getCheckpoint, setCheckpoint } from "./queries";
import type { SignatureInfo } from "./rpc";

const PAGE = 1000;

export interface IndexResult {
  seen: number;
  credited: number;
}

/**
 * One pass of the vault indexer (lld-backend.md §4.1): every finalized signature touching the
 * vault token account since the checkpoint, oldest first; deposits that name a user (memo
 * machpay:<id>) or come from a linked device key are credited without an API call. The
 * checkpoint moves after each signature; a restart re-reads at most one, and credits are unique
 * per signature, so nothing is credited twice.
 */
export async function indexVaultOnce(ctx: DepositCtx): Promise<IndexResult> {
  const name = `vault:${ctx.settings.vaultTokenAccount}`;
  const checkpoint = await getCheckpoint(ctx.sql, name);
  const fresh: SignatureInfo[] = [];
  let before: string | undefined;
  for (;;) {
    const page = await ctx.chain.getSignaturesForAddress(ctx.settings.vaultTokenAccount, { until: checkpoint?.signature, before, limit: PAGE });
    fresh.push(...page);
    if (page.length < PAGE) break;
    before = page[page.length - 1]!.signature;
  }
  let credited = 0;
  for (const sig of fresh.reverse()) {
    if (sig.err === null) {
      try {
        const found = await inspectDeposit(ctx, sig.signature);
        const userId = await attribute(ctx, found);
        if (userId !== null && (await creditOnce(ctx, userId, found.amount, sig.signature, "indexer")).status === "credited") credited++;
      } catch (err) {
        // Not a deposit (an outgoing transfer, another mint...): nothing to credit. A chain
        // outage stops the pass before the checkpoint moves, so the signature is retried.
        if (!(err instanceof AppError) || err.status >= 500 || err.code === "deposit_not_final") throw err;
        ctx.log.debug("indexer: skipped", { signature: sig.signature, reason: err.code });
      }
    }
    await setCheckpoint(ctx.sql, name, sig.signature, sig.slot);
  }
  return { seen: fresh.length, credited };
}
