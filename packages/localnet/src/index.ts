// @machpay/localnet: a local Solana chain (JSON-RPC over LiteSVM) for development and tests.
// startLocalnet() serves it and hands back what it set up (the USDC-like mint, the platform
// vault, the hot wallet with its local-only key) and a faucet; main.ts is the command line.
export { startLocalnet, DEFAULT_USDC_MINT, type Localnet, type LocalnetFaucet, type LocalnetOptions } from "./server";
export { FaucetError } from "./faucet";
export { CLUSTER_GENESIS_HASHES } from "./genesis-hash";
