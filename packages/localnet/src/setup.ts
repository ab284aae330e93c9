import { address, none, some } from "@solana/kit";
import { findAssociatedTokenPda, getMintEncoder, TOKEN_PROGRAM_ADDRESS } from "@solana-program/token";
import type { Chain } from "./chain";
import { Faucet } from "./faucet";
import { keypair, type Keypair } from "./keys";
import { MEMO_V3, MEMO_V4 } from "./parse-instruction";

// Genesis of the local chain: the USDC-like mint (6 decimals) at USDC_MINT with a mint authority
// the shim holds, the platform vault (owner keypair + its USDC associated token account) and the
// platform hot wallet (SOL for fees and a funded USDC account, for payouts). Only the mint and
// the two fee payers are written directly (the mint address has no private key), and the memo
// program is made available at its v4 address; everything
// else is created by real transactions, then finalized before the chain is handed out.

export const USDC_DECIMALS = 6;
const SYSTEM_PROGRAM = "11111111111111111111111111111111";
const LAMPORTS_PER_SOL = 1_000_000_000n;
const FAUCET_LAMPORTS = 500_000_000n * LAMPORTS_PER_SOL;
const AUTHORITY_LAMPORTS = 1_000_000n * LAMPORTS_PER_SOL;
const MINT_SIZE = 82n;

export interface GenesisOptions {
  usdcMint: string;
  mintAuthority?: Uint8Array | undefined;
  vaultOwner?: Uint8Array | undefined;
  hotWallet?: Uint8Array | undefined;
  hotWalletLamports: bigint;
  hotWalletUsdc: bigint;
}

export interface Genesis {
  mint: string;
  decimals: number;
  mintAuthority: Keypair;
  vaultOwner: Keypair;
  vaultTokenAccount: string;
  hotWallet: Keypair;
  hotWalletTokenAccount: string;
  faucet: Faucet;
}

async function ataOf(owner: string, mint: string): Promise<string> {
  const [ata] = await findAssociatedTokenPda({ owner: address(owner), mint: address(mint), tokenProgram: TOKEN_PROGRAM_ADDRESS });
  return ata;
}

/**
 * @solana-program/memo (0.15) sends to the memo program v4 address, which LiteSVM 1.5 does not
 * ship; v4 keeps v3's instruction format, so v3's binary is deployed there.
 */
function installMemoV4(chain: Chain): void {
  if (chain.liveAccount(MEMO_V4)) return;
  const v3 = chain.liveAccount(MEMO_V3);
  if (v3) chain.svm.addProgramWithLoader(address(MEMO_V4), v3.data, address(v3.owner));
}

export async function createGenesis(chain: Chain, options: GenesisOptions): Promise<Genesis> {
  installMemoV4(chain);
  const mint = options.usdcMint;
  const [lamportsSource, mintAuthority, vaultOwner, hotWallet] = await Promise.all([
    keypair(),
    keypair(options.mintAuthority),
    keypair(options.vaultOwner),
    keypair(options.hotWallet),
  ]);
  const empty = new Uint8Array(0);
  chain.setGenesisAccount(lamportsSource.address, { lamports: FAUCET_LAMPORTS, data: empty, owner: SYSTEM_PROGRAM, executable: false });
  chain.setGenesisAccount(mintAuthority.address, { lamports: AUTHORITY_LAMPORTS, data: empty, owner: SYSTEM_PROGRAM, executable: false });
  const mintData = getMintEncoder().encode({
    mintAuthority: some(address(mintAuthority.address)),
    supply: 0n,
    decimals: USDC_DECIMALS,
    isInitialized: true,
    freezeAuthority: none(),
  });
  chain.setGenesisAccount(mint, {
    lamports: chain.svm.minimumBalanceForRentExemption(MINT_SIZE),
    data: new Uint8Array(mintData),
    owner: TOKEN_PROGRAM_ADDRESS,
    executable: false,
  });

  const faucet = new Faucet(chain, lamportsSource.signer, mintAuthority.signer, mint, USDC_DECIMALS);
  await faucet.openTokenAccount(vaultOwner.address);
  await faucet.airdrop(hotWallet.address, options.hotWalletLamports);
  if (options.hotWalletUsdc > 0n) await faucet.mintTo(hotWallet.address, options.hotWalletUsdc);
  else await faucet.openTokenAccount(hotWallet.address);
  // Hand out a chain whose starting state is final, so default-commitment reads see it.
  chain.advance(Number(chain.finalitySlots));

  const [vaultTokenAccount, hotWalletTokenAccount] = await Promise.all([ataOf(vaultOwner.address, mint), ataOf(hotWallet.address, mint)]);
  return { mint, decimals: USDC_DECIMALS, mintAuthority, vaultOwner, vaultTokenAccount, hotWallet, hotWalletTokenAccount, faucet };
}
