import { Chain } from "./chain";
import { resolveGenesisHash } from "./genesis-hash";
import { accountMethods } from "./methods/accounts";
import { clusterMethods } from "./methods/cluster";
import { faucetMethods } from "./methods/faucet";
import { historyMethods } from "./methods/history";
import { sendMethods } from "./methods/send";
import { handleRpcBody, type Methods } from "./rpc";
import { createGenesis, type Genesis } from "./setup";

// The local Solana chain: a JSON-RPC 2.0 server (Bun.serve, POST /, batches) over LiteSVM, with
// slots that advance on a timer and with every landed transaction. Started in-process by tests
// (port 0) and by main.ts (the command line) for development.

export const DEFAULT_USDC_MINT = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v";

export interface LocalnetOptions {
  /** 0 picks a free port. Default 8899. */
  port?: number;
  hostname?: string;
  usdcMint?: string;
  /**
   * What getGenesisHash answers: "devnet", "testnet" or a base58 hash (genesis-hash.ts). Clients
   * that only know the public clusters' CAIP-2 ids (x402's) then run against this chain. Default:
   * the chain's own first blockhash.
   */
  genesisHash?: string;
  /** Newer slots needed before a slot is finalized. Default 2. */
  finalitySlots?: number;
  /** A new slot every `slotMs` ms; 0 turns the timer off (tests then call advance()). Default 400. */
  slotMs?: number;
  /** Landed transactions kept for history queries (about 3 KB each). Default 50,000. */
  historyLimit?: number;
  /** Fixed keypairs, Solana CLI format (64 bytes); random when absent. */
  mintAuthority?: Uint8Array;
  vaultOwner?: Uint8Array;
  hotWallet?: Uint8Array;
  /** Starting balances of the hot wallet. Defaults 1,000 SOL and 1,000,000 USDC. */
  hotWalletLamports?: bigint;
  hotWalletUsdc?: bigint;
  /** Wall clock in ms, for block times. */
  now?: () => number;
  /** Called with unexpected errors (answered as -32603). */
  onInternalError?: (err: unknown) => void;
}

/** Funds any wallet; each call lands a real transaction and resolves to its signature. */
export interface LocalnetFaucet {
  /** SOL, as requestAirdrop does. */
  airdrop(to: string, lamports: bigint): Promise<string>;
  /** Local USDC into the owner's associated token account (created when missing), as machpay_mintTo does. */
  mintTo(owner: string, amountAtomic: bigint): Promise<string>;
}

export interface Localnet {
  url: string;
  port: number;
  /** What getGenesisHash answers. */
  genesisHash: string;
  mint: string;
  decimals: number;
  vaultOwner: string;
  vaultTokenAccount: string;
  hotWallet: { address: string; secretKey64: Uint8Array; tokenAccount: string };
  mintAuthority: string;
  faucet: LocalnetFaucet;
  /** The processed slot. */
  slot(): bigint;
  /** Opens `n` new slots at once (default 1): what the timer does, without waiting. */
  advance(n?: number): void;
  close(): Promise<void>;
}

export function localnetMethods(chain: Chain, genesis: Genesis): Methods {
  return {
    ...clusterMethods(chain),
    ...accountMethods(chain),
    ...sendMethods(chain),
    ...historyMethods(chain),
    ...faucetMethods(genesis.faucet),
  };
}

export async function startLocalnet(options: LocalnetOptions = {}): Promise<Localnet> {
  const now = options.now ?? Date.now;
  const chain = new Chain({
    finalitySlots: options.finalitySlots ?? 2,
    historyLimit: options.historyLimit ?? 50_000,
    now,
    ...(options.genesisHash === undefined ? {} : { genesisHash: resolveGenesisHash(options.genesisHash) }),
  });
  const genesis = await createGenesis(chain, {
    usdcMint: options.usdcMint ?? DEFAULT_USDC_MINT,
    mintAuthority: options.mintAuthority,
    vaultOwner: options.vaultOwner,
    hotWallet: options.hotWallet,
    hotWalletLamports: options.hotWalletLamports ?? 1_000n * 1_000_000_000n,
    hotWalletUsdc: options.hotWalletUsdc ?? 1_000_000n * 1_000_000n,
  });
  const methods = localnetMethods(chain, genesis);
  const onInternalError = options.onInternalError ?? (() => undefined);

  const server = Bun.serve({
    port: options.port ?? 8899,
    hostname: options.hostname ?? "127.0.0.1",
    async fetch(req) {
      const path = new URL(req.url).pathname;
      if (req.method === "GET" && path === "/health") return new Response("ok");
      if (req.method !== "POST" || path !== "/") return new Response("Not Found", { status: 404 });
      const body = await handleRpcBody(await req.text(), methods, onInternalError);
      return new Response(body ?? "", { headers: { "content-type": "application/json; charset=utf-8" } });
    },
  });

  const slotMs = options.slotMs ?? 400;
  const timer = slotMs > 0 ? setInterval(() => chain.advanceSlot(), slotMs) : null;
  timer?.unref();

  const port = server.port ?? 0;
  return {
    url: `http://${options.hostname ?? "127.0.0.1"}:${port}`,
    port,
    genesisHash: chain.genesisHash,
    mint: genesis.mint,
    decimals: genesis.decimals,
    vaultOwner: genesis.vaultOwner.address,
    vaultTokenAccount: genesis.vaultTokenAccount,
    hotWallet: { address: genesis.hotWallet.address, secretKey64: genesis.hotWallet.secretKey64, tokenAccount: genesis.hotWalletTokenAccount },
    mintAuthority: genesis.mintAuthority.address,
    faucet: {
      airdrop: async (to, lamports) => (await genesis.faucet.airdrop(to, lamports)).signature,
      mintTo: async (owner, amountAtomic) => (await genesis.faucet.mintTo(owner, amountAtomic)).signature,
    },
    slot: () => chain.slotAt("processed"),
    advance: (n = 1) => chain.advance(n),
    close: async () => {
      if (timer) clearInterval(timer);
      await server.stop(true);
    },
  };
}
