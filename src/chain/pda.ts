import { AppError, type PdaRefusalCode } from "@/core/errors";
import type { Chain } from "./rpc";

export type PdaCheck = { ok: true } | { ok: false; code: PdaRefusalCode; message: string };

/**
 * The endpoint PDA proof (lld-backend.md §7.4): the PDA exists and is owned by the MachPay
 * program, and the named transaction is finalized, succeeded, and touched that account.
 */
export async function verifyEndpointPda(chain: Chain, programId: string, input: { pdaAddress: string; txSignature: string }): Promise<PdaCheck> {
  const owner = await chain.getAccountOwner(input.pdaAddress);
  if (owner === null) return { ok: false, code: "pda_not_found", message: "the PDA account does not exist on chain" };
  if (owner !== programId) return { ok: false, code: "pda_wrong_owner", message: `the PDA is owned by ${owner}, not the MachPay program ${programId}` };
  const tx = await chain.getTransaction(input.txSignature, "finalized");
  if (!tx) return { ok: false, code: "pda_tx_not_final", message: "the transaction is unknown or not yet finalized" };
  if (tx.meta?.err !== null) return { ok: false, code: "pda_tx_failed", message: "the transaction failed on chain" };
  if (!tx.transaction.message.accountKeys.some((k) => k.pubkey === input.pdaAddress)) {
    return { ok: false, code: "pda_tx_unrelated", message: "the transaction does not touch the PDA" };
  }
  return { ok: true };
}

export const chainNotConfigured = () =>
  new AppError("chain_not_configured", "this server has no Solana RPC configured (SOLANA_RPC, VAULT_TOKEN_ACCOUNT)");
