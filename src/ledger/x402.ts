import type { Ctx } from "@/db/context";
import { sha256Hex } from "@/core/hash";
import { newId } from "@/core/ids";
import { withTransaction } from "@/db/transaction";
import { decide } from "./engine/decide";
import { nonceUsed } from "./engine/errors";
import { readAgentStates } from "./engine/queries";
import type { PaymentRequest, TransactionRecord } from "./engine/types";
import { authorizeGatewayIntent, type GatewayPayCtx } from "./pay";
import { findOnchainPayment, insertOnchainPayment, nonceSpent, recordOnchainPaymentEvents } from "./queries/x402";

// What MachPay's x402 facilitator asks of the ledger. batch-settlement's commitment is a gateway
// intent: verify is previewGatewayPayment (every rule of payFromGateway, nothing spent or locked),
// settle is payFromGateway itself (source "x402": the engine's group commit, the nonce spent once).
// exact's payments moved on chain; recordOnchainPayment writes their record, no balance.

export interface PreviewedPayment {
  agentId: bigint;
  agentPubkey: string;
  vendorId: bigint;
  amount: bigint;
}

/**
 * Would payFromGateway pay this intent now? The intent's checks, then the agent's state and the
 * nonce, read without a lock, through the engine's own rules (decide). A refusal is the AppError
 * the payment would meet. A yes is not a promise: a payment committed meanwhile can change it,
 * which is why settle decides again under the agent's lock.
 */
export async function previewGatewayPayment(ctx: GatewayPayCtx, input: { intent: Uint8Array; signature: string }): Promise<PreviewedPayment> {
  const { intent, agentId, vendorId } = await authorizeGatewayIntent(ctx, input);
  const day = ctx.clock.now().toISOString().slice(0, 10);
  const [states, spent] = await Promise.all([readAgentStates(ctx.sql, [agentId], day), nonceSpent(ctx.sql, intent.agentPubkey, intent.nonce)]);
  if (spent) throw nonceUsed();
  const request: Pick<PaymentRequest, "agentId" | "vendorId" | "amount" | "intent"> = {
    agentId,
    vendorId,
    amount: intent.amount,
    intent: { agentPubkey: intent.agentPubkey, gatewayPubkey: intent.gatewayPubkey, nonce: intent.nonce, deadline: intent.deadline, signature: input.signature, hash: intent.hash },
  };
  // SAFETY: decide() reads only the fields picked above.
  const refusal = decide(states[0], request as PaymentRequest);
  if (refusal) throw refusal;
  return { agentId, agentPubkey: intent.agentPubkey, vendorId, amount: intent.amount };
}

/**
 * An x402 exact payment that landed on chain: the payer's wallet paid the vendor's directly. Its
 * transactions row (source x402_exact, settled, no fee, no agent) and its events, in one
 * transaction, once per Solana signature: recording it again returns the first record.
 */
export async function recordOnchainPayment(
  ctx: Pick<Ctx, "sql" | "clock">,
  input: { vendorId: bigint; amount: bigint; mint: string; payer: string; signature: string; receivedAt: number },
): Promise<{ transaction: TransactionRecord; recorded: boolean }> {
  return withTransaction(ctx.sql, async (tx) => {
    const inserted = await insertOnchainPayment(tx, {
      id: newId("tx"),
      hash: sha256Hex(`machpay-x402-exact:${input.signature}`),
      vendorId: input.vendorId,
      amount: input.amount,
      mint: input.mint,
      latency: Math.max(0, Math.round(performance.now() - input.receivedAt)),
      payer: input.payer,
      signature: input.signature,
      now: ctx.clock.now(),
    });
    if (inserted) {
      await recordOnchainPaymentEvents(tx, inserted.id);
      return { transaction: inserted, recorded: true };
    }
    // SAFETY: the insert found the signature's row; rows are never deleted.
    return { transaction: (await findOnchainPayment(tx, input.signature))!, recorded: false };
  });
}
