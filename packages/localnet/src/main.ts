import { genesisHashEnv, intEnv, keyEnv } from "./env";
import { describeListenError } from "./listen-error";
import { startLocalnet } from "./index";

// `bun packages/localnet/src/main.ts` (`bun run localnet` at the repository root; `npm run dev`
// starts it through scripts/run): the local Solana chain for development. Serves JSON-RPC on
// LOCALNET_PORT (default 8899) and prints one JSON line: URL, mint, vault token account, vault
// owner, hot wallet (address and, for the backend's payouts, its secret key in the Solana CLI
// 64-byte format: a local-only key). Keys are deterministic unless given, so the addresses stay
// the same across restarts; the chain state itself starts fresh each time.
//
// Environment: LOCALNET_PORT, LOCALNET_HOST (127.0.0.1), USDC_MINT, FINALITY_SLOTS (2),
// LOCALNET_SLOT_MS (400), LOCALNET_HISTORY_LIMIT (50000), LOCALNET_GENESIS_HASH (devnet, testnet
// or a base58 hash: what getGenesisHash answers; the chain's own by default), and LOCALNET_HOT_WALLET_KEY /
// LOCALNET_VAULT_OWNER_KEY / LOCALNET_MINT_AUTHORITY_KEY (a JSON array of 64 numbers, or the
// path of a Solana CLI keypair file).

const port = intEnv("LOCALNET_PORT", 8899);
const hostname = process.env.LOCALNET_HOST || "127.0.0.1";
const localnet = await startLocalnet({
  port,
  hostname,
  ...(process.env.USDC_MINT ? { usdcMint: process.env.USDC_MINT } : {}),
  finalitySlots: intEnv("FINALITY_SLOTS", 2),
  slotMs: intEnv("LOCALNET_SLOT_MS", 400),
  historyLimit: intEnv("LOCALNET_HISTORY_LIMIT", 50_000),
  ...genesisHashEnv("LOCALNET_GENESIS_HASH"),
  hotWallet: await keyEnv("LOCALNET_HOT_WALLET_KEY", "hot-wallet"),
  vaultOwner: await keyEnv("LOCALNET_VAULT_OWNER_KEY", "vault-owner"),
  mintAuthority: await keyEnv("LOCALNET_MINT_AUTHORITY_KEY", "mint-authority"),
  onInternalError: (err) => process.stderr.write(`localnet: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`),
}).catch((err: unknown) => {
  // A taken port (often a chain left from an earlier start) is one line naming the variable.
  const line = describeListenError(err, { port, host: hostname });
  if (line === undefined) throw err;
  process.stderr.write(`${line}\n`);
  process.exit(1);
});

process.stdout.write(
  `${JSON.stringify({
    url: localnet.url,
    genesisHash: localnet.genesisHash,
    mint: localnet.mint,
    decimals: localnet.decimals,
    vaultTokenAccount: localnet.vaultTokenAccount,
    vaultOwner: localnet.vaultOwner,
    hotWallet: localnet.hotWallet.address,
    hotWalletTokenAccount: localnet.hotWallet.tokenAccount,
    mintAuthority: localnet.mintAuthority,
    hotWalletSecretKeyLocalOnly: Array.from(localnet.hotWallet.secretKey64),
    warning: "local chain only: these keys are public, never fund them on devnet or mainnet",
  })}\n`,
);

const stop = async () => {
  await localnet.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
