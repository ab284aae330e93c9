import { getAddMemoInstruction } from "@solana-program/memo";
import {
  findAssociatedTokenPda,
  getCreateAssociatedTokenIdempotentInstruction,
  getTransferCheckedInstruction,
  TOKEN_PROGRAM_ADDRESS,
} from "@solana-program/token";
import { address, type Blockhash, type Instruction, type KeyPairSigner } from "@solana/kit";
import { signInstructions } from "@/core/solana-tx";

export interface PayoutTransfer {
  id: string;
  destination: string;
  amount: bigint;
}

/** Payouts packed into one transaction stay well inside the 1232-byte limit. */
export const TRANSFERS_PER_TRANSACTION = 4;

/**
 * One signed transaction paying several payouts from the hot wallet: for each, the destination's
 * associated token account is created when missing (idempotent), then a transferChecked; one
 * memo names the payouts. The signature is known before anything is sent.
 */
export async function buildPayoutTransaction(
  hot: KeyPairSigner,
  mint: string,
  decimals: number,
  transfers: PayoutTransfer[],
  lifetime: { blockhash: Blockhash; lastValidBlockHeight: bigint },
): Promise<{ signature: string; wire: string }> {
  const mintAddress = address(mint);
  const [source] = await findAssociatedTokenPda({ owner: hot.address, mint: mintAddress, tokenProgram: TOKEN_PROGRAM_ADDRESS });
  const instructions: Instruction[] = [];
  for (const t of transfers) {
    const owner = address(t.destination);
    const [ata] = await findAssociatedTokenPda({ owner, mint: mintAddress, tokenProgram: TOKEN_PROGRAM_ADDRESS });
    instructions.push(getCreateAssociatedTokenIdempotentInstruction({ payer: hot, ata, owner, mint: mintAddress }));
    instructions.push(getTransferCheckedInstruction({ source, mint: mintAddress, destination: ata, authority: hot, amount: t.amount, decimals }));
  }
  instructions.push(getAddMemoInstruction({ memo: `machpay:payouts:${transfers.map((t) => t.id).join(",")}` }));
  return signInstructions(hot, lifetime, instructions);
}
