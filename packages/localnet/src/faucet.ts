import {
  address,
  appendTransactionMessageInstructions,
  createTransactionMessage,
  getTransactionEncoder,
  pipe,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
  type Blockhash,
  type Instruction,
  type KeyPairSigner,
} from "@solana/kit";
import { getTransferSolInstruction } from "@solana-program/system";
import { findAssociatedTokenPda, getCreateAssociatedTokenIdempotentInstruction, getMintToCheckedInstruction, TOKEN_PROGRAM_ADDRESS } from "@solana-program/token";
import type { Chain } from "./chain";
import { PreflightFailure, submit } from "./execute";
import type { TxRecord } from "./store";

// The faucet behind requestAirdrop and machpay_mintTo: real, signed legacy transactions sent
// through the same path as any client's, so they have signatures, history and balances like
// any other. One at a time: two identical requests in one slot would otherwise build the same
// transaction (same blockhash) and the second would be refused as already processed.

export class FaucetError extends Error {}

export class Faucet {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly chain: Chain,
    private readonly lamportsSource: KeyPairSigner,
    private readonly mintAuthority: KeyPairSigner,
    readonly mint: string,
    readonly decimals: number,
  ) {}

  airdrop(to: string, lamports: bigint): Promise<TxRecord> {
    return this.send(this.lamportsSource, async () => [getTransferSolInstruction({ source: this.lamportsSource, destination: address(to), amount: lamports })]);
  }

  /** Mints into the owner's associated token account, creating it when missing. */
  mintTo(owner: string, amount: bigint): Promise<TxRecord> {
    return this.send(this.mintAuthority, async () => {
      const { create, ata, mint } = await this.createAta(owner);
      return [create, getMintToCheckedInstruction({ mint, token: ata, mintAuthority: this.mintAuthority, amount, decimals: this.decimals })];
    });
  }

  /** Creates the owner's associated token account (the mint authority pays the rent). */
  openTokenAccount(owner: string): Promise<TxRecord> {
    return this.send(this.mintAuthority, async () => [(await this.createAta(owner)).create]);
  }

  private async createAta(owner: string) {
    const mint = address(this.mint);
    const [ata] = await findAssociatedTokenPda({ owner: address(owner), mint, tokenProgram: TOKEN_PROGRAM_ADDRESS });
    return { ata, mint, create: getCreateAssociatedTokenIdempotentInstruction({ payer: this.mintAuthority, ata, owner: address(owner), mint }) };
  }

  private send(payer: KeyPairSigner, instructions: () => Promise<Instruction[]>): Promise<TxRecord> {
    const run = async () => {
      const ixs = await instructions();
      const { blockhash, lastValidBlockHeight } = this.chain.latestBlockhash("processed");
      const message = pipe(
        createTransactionMessage({ version: "legacy" }),
        (m) => setTransactionMessageFeePayerSigner(payer, m),
        // SAFETY: the chain's blockhashes are LiteSVM's base58 hashes.
        (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: blockhash as Blockhash, lastValidBlockHeight }, m),
        (m) => appendTransactionMessageInstructions(ixs, m),
      );
      const signed = await signTransactionMessageWithSigners(message);
      const wire = new Uint8Array(getTransactionEncoder().encode(signed));
      try {
        const outcome = submit(this.chain, wire, { skipPreflight: false });
        if (!outcome.landed) throw new FaucetError(outcome.err.text);
        return outcome.record;
      } catch (err) {
        if (err instanceof PreflightFailure) throw new FaucetError(err.message);
        throw err;
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }
}
