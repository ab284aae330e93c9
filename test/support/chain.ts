import {
  address,
  createSolanaRpc,
  generateKeyPairSigner,
  lamports,
  type Address,
  type Instruction,
  type KeyPairSigner,
} from "@solana/kit";
import { getAddMemoInstruction } from "@solana-program/memo";
import { getCreateAccountInstruction } from "@solana-program/system";
import {
  findAssociatedTokenPda,
  getCreateAssociatedTokenIdempotentInstruction,
  getInitializeMint2Instruction,
  getMintToInstruction,
  getTransferCheckedInstruction,
  TOKEN_PROGRAM_ADDRESS,
} from "@solana-program/token";
import type { ConfigInput } from "@/config";
import { signInstructions } from "@/core/solana-tx";
import type { TestLocalnet } from "./localnet";

// Real SPL transfers for deposit tests: wallets funded through the local chain's faucet, signed
// with @solana/kit, sent over the local JSON-RPC like any wallet would.

export interface Wallet {
  signer: KeyPairSigner;
  ata: Address;
}

/** The app's chain settings for a local chain. */
export function chainEnv(ln: TestLocalnet): ConfigInput {
  return {
    SOLANA_RPC: ln.url,
    USDC_MINT: ln.mint,
    VAULT_TOKEN_ACCOUNT: ln.vaultTokenAccount,
    VAULT_OWNER: ln.vaultOwner,
    HOT_WALLET_SECRET_KEY: JSON.stringify(Array.from(ln.hotWallet.secretKey64)),
  };
}

export async function ataOf(ln: TestLocalnet, owner: Address, mint: string = ln.mint): Promise<Address> {
  const [ata] = await findAssociatedTokenPda({ owner, mint: address(mint), tokenProgram: TOKEN_PROGRAM_ADDRESS });
  return ata;
}

/** A wallet with SOL and `usdc` atomic USDC (finalized). */
export async function fundedWallet(ln: TestLocalnet, usdc: bigint, signer?: KeyPairSigner): Promise<Wallet> {
  const s = signer ?? (await generateKeyPairSigner());
  const rpc = createSolanaRpc(ln.url);
  await rpc.requestAirdrop(s.address, lamports(2_000_000_000n)).send();
  if (usdc > 0n) {
    const res = await fetch(ln.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "machpay_mintTo", params: { owner: s.address, amount_atomic: usdc.toString() } }),
    });
    const body = (await res.json()) as { error?: unknown };
    if (body.error) throw new Error(`machpay_mintTo: ${JSON.stringify(body.error)}`);
  }
  ln.advance(2);
  return { signer: s, ata: await ataOf(ln, s.address) };
}

export async function send(ln: TestLocalnet, payer: KeyPairSigner, instructions: Instruction[]): Promise<string> {
  const rpc = createSolanaRpc(ln.url);
  const { value: lifetime } = await rpc.getLatestBlockhash({ commitment: "confirmed" }).send();
  const { signature, wire } = await signInstructions(payer, lifetime, instructions);
  // skipPreflight: a transfer that fails on chain must still land (failed) for the failure tests.
  await rpc.sendTransaction(wire, { encoding: "base64", skipPreflight: true }).send();
  return signature;
}

/** A USDC transferChecked from the wallet's ATA to `destination` (a token account), with an optional memo. */
export function transferUsdc(ln: TestLocalnet, from: Wallet, destination: string, amount: bigint, options: { memo?: string; mint?: string; source?: Address } = {}) {
  const ixs: Instruction[] = [
    getTransferCheckedInstruction({
      source: options.source ?? from.ata,
      mint: address(options.mint ?? ln.mint),
      destination: address(destination),
      authority: from.signer,
      amount,
      decimals: 6,
    }),
  ];
  if (options.memo !== undefined) ixs.push(getAddMemoInstruction({ memo: options.memo }));
  return send(ln, from.signer, ixs);
}

/** Another 6-decimal mint, with `amount` minted to the wallet and an account for `alsoFor` created. */
export async function otherMint(ln: TestLocalnet, wallet: Wallet, amount: bigint, alsoFor: Address) {
  const mint = await generateKeyPairSigner();
  const rpc = createSolanaRpc(ln.url);
  const rent = await rpc.getMinimumBalanceForRentExemption(82n).send();
  const source = await ataOf(ln, wallet.signer.address, mint.address);
  const destination = await ataOf(ln, alsoFor, mint.address);
  await send(ln, wallet.signer, [
    getCreateAccountInstruction({ payer: wallet.signer, newAccount: mint, lamports: rent, space: 82, programAddress: TOKEN_PROGRAM_ADDRESS }),
    getInitializeMint2Instruction({ mint: mint.address, decimals: 6, mintAuthority: wallet.signer.address }),
    getCreateAssociatedTokenIdempotentInstruction({ payer: wallet.signer, ata: source, owner: wallet.signer.address, mint: mint.address }),
    getCreateAssociatedTokenIdempotentInstruction({ payer: wallet.signer, ata: destination, owner: alsoFor, mint: mint.address }),
    getMintToInstruction({ mint: mint.address, token: source, mintAuthority: wallet.signer, amount }),
  ]);
  ln.advance(2);
  return { mint: mint.address, source, destination };
}
