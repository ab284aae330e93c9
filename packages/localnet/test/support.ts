import {
  address,
  appendTransactionMessageInstructions,
  createSolanaRpc,
  createTransactionMessage,
  generateKeyPairSigner,
  getBase58Decoder,
  getBase64EncodedWireTransaction,
  getSignatureFromTransaction,
  lamports,
  pipe,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
  type Address,
  type Blockhash,
  type Instruction,
  type KeyPairSigner,
  type Rpc,
  type SolanaRpcApi,
} from "@solana/kit";
import { getAddMemoInstruction } from "@solana-program/memo";
import { findAssociatedTokenPda, getTransferCheckedInstruction, TOKEN_PROGRAM_ADDRESS } from "@solana-program/token";
import { expect } from "bun:test";
import { startLocalnet, type Localnet } from "../src/index";

// The chain is checked two ways: through @solana/kit (the client the backend uses, so its parsing
// of every answer is exercised) and through raw fetch, pinning the exact JSON shapes of the Solana
// RPC documentation (envelope, context, keys, types, error codes). Each test file opens its own
// chain, with the slot timer off so that commitment moves only when a test calls advance().

export const TOKEN = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA";
export const BASE58 = /^[1-9A-HJ-NP-Za-km-z]{32,88}$/;

export interface Wallet {
  signer: KeyPairSigner;
  ata: Address;
}

export const randomBlockhash = () => getBase58Decoder().decode(crypto.getRandomValues(new Uint8Array(32))) as Blockhash;
export const unknownSignature = () => getBase58Decoder().decode(crypto.getRandomValues(new Uint8Array(64)));

/** A fresh chain on a free port and the helpers that talk to it; the caller closes `ln`. */
export async function openChain() {
  const ln: Localnet = await startLocalnet({ port: 0, slotMs: 0 });
  const rpc: Rpc<SolanaRpcApi> = createSolanaRpc(ln.url);

  async function post(body: string): Promise<{ status: number; text: string; json: any }> {
    const res = await fetch(ln.url, { method: "POST", headers: { "content-type": "application/json" }, body });
    const text = await res.text();
    return { status: res.status, text, json: text ? JSON.parse(text) : null };
  }

  /** One raw JSON-RPC call; returns the whole envelope. */
  async function raw(method: string, params?: unknown): Promise<any> {
    return (await post(JSON.stringify({ jsonrpc: "2.0", id: 7, method, ...(params === undefined ? {} : { params }) }))).json;
  }

  async function ataOf(owner: Address): Promise<Address> {
    const [ata] = await findAssociatedTokenPda({ owner, mint: address(ln.mint), tokenProgram: TOKEN_PROGRAM_ADDRESS });
    return ata;
  }

  /** A wallet with 2 SOL and `usdc` atomic USDC, funded through the faucet methods and finalized. */
  async function fundedWallet(usdc: bigint): Promise<Wallet> {
    const signer = await generateKeyPairSigner();
    await rpc.requestAirdrop(signer.address, lamports(2_000_000_000n)).send();
    const minted = await raw("machpay_mintTo", { owner: signer.address, amount_atomic: usdc.toString() });
    expect(minted.result).toMatch(BASE58);
    ln.advance(2);
    return { signer, ata: await ataOf(signer.address) };
  }

  async function latest() {
    return (await rpc.getLatestBlockhash({ commitment: "confirmed" }).send()).value;
  }

  async function signed(payer: KeyPairSigner, instructions: Instruction[], options: { version?: 0 | "legacy"; blockhash?: { blockhash: Blockhash; lastValidBlockHeight: bigint } } = {}) {
    const lifetime = options.blockhash ?? (await latest());
    const base = options.version === "legacy" ? createTransactionMessage({ version: "legacy" }) : createTransactionMessage({ version: 0 });
    const message = pipe(
      base,
      (m) => setTransactionMessageFeePayerSigner(payer, m),
      (m) => setTransactionMessageLifetimeUsingBlockhash(lifetime, m),
      (m) => appendTransactionMessageInstructions(instructions, m),
    );
    const tx = await signTransactionMessageWithSigners(message);
    return { wire: getBase64EncodedWireTransaction(tx), signature: getSignatureFromTransaction(tx) };
  }

  function transferIxs(from: Wallet, destination: string, amount: bigint, memo?: string): Instruction[] {
    const ixs: Instruction[] = [
      getTransferCheckedInstruction({ source: from.ata, mint: address(ln.mint), destination: address(destination), authority: from.signer, amount, decimals: 6 }),
    ];
    if (memo !== undefined) ixs.push(getAddMemoInstruction({ memo }));
    return ixs;
  }

  return { ln, rpc, post, raw, ataOf, fundedWallet, latest, signed, transferIxs };
}
