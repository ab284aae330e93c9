// The local Solana chain (JSON-RPC over LiteSVM) for development and tests.
export { startLocalnet, DEFAULT_USDC_MINT, type Localnet, type LocalnetOptions } from "./server";
